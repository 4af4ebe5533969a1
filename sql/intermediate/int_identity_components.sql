-- grain: one identifier node of int_identity_edges with the component it belongs
-- to (any id shared by exactly the nodes of its connected component; int_identity names the
-- component's customer). Here from the union-find of identity.py: the smallest node id of the
-- component (int_identity_roots); a partitioned build's label propagation
-- (ingest/components.py) gives the smallest node name instead. The component is only compared
-- for equality, so either gives the same customers. A temp view of one stitching
-- (ingest/identity.py, GRAPH); int_identity_labelled and int_identity_unlinked define it otherwise.
select
    n.node,
    cast(r.root_id as varchar) as component
from int_identity_nodes as n
inner join intermediate.int_identity_roots as r on n.node_id = r.node_id
