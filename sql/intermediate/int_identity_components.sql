-- grain: one identifier node of intermediate.int_identity_edges with the component it belongs
-- to (any id shared by exactly the nodes of its connected component; int_identity names the
-- component's customer). Here from the union-find of identity.py: the smallest node id of the
-- component (int_identity_roots); a partitioned build's label propagation
-- (ingest/components.py) gives the smallest node name instead. The component is only compared
-- for equality, so either gives the same customers.
SELECT n.node, CAST(r.root_id AS VARCHAR) AS component
FROM intermediate.int_identity_nodes AS n
JOIN intermediate.int_identity_roots AS r ON r.node_id = n.node_id
