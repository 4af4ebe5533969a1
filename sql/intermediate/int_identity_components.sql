-- grain: one identifier node of intermediate.int_identity_edges with the component it belongs
-- to (any id shared by exactly the nodes of its connected component; int_identity names the
-- component's customer). Here from the union-find of identity.py: the smallest node id of the
-- component (int_identity_roots); a partitioned build's label propagation
-- (ingest/components.py) gives the smallest node name instead. The component is only compared
-- for equality, so either gives the same customers.
select
    n.node,
    cast(r.root_id as varchar) as component
from intermediate.int_identity_nodes as n
inner join intermediate.int_identity_roots as r on n.node_id = r.node_id
