-- grain: one value, the links of the identity graph between two different identifiers (a
-- self-link only keeps a lone identifier): none, and every identifier is its own customer.
select count(*) as links
from int_identity_edges
where left_node <> right_node
