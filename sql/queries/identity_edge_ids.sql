-- grain: one link of the identity graph between two different identifiers, as the node ids
-- (int_identity_nodes) of its two ends (a self-link, which only keeps a lone identifier, joins
-- nothing).
select
    l.node_id as left_id,
    r.node_id as right_id
from int_identity_edges as e
inner join int_identity_nodes as l on e.left_node = l.node
inner join int_identity_nodes as r on e.right_node = r.node
where e.left_node <> e.right_node
