-- grain: one identifier node with its component as label propagation over partitions found it
-- (ingest/components.py): the smallest node id of the component. Reads the temp view
-- identity_labels (node_id, component) over the last round's label files; replaces the union-find
-- view of int_identity_components in a partitioned build.
SELECT n.node, CAST(l.component AS VARCHAR) AS component
FROM intermediate.int_identity_nodes AS n
JOIN identity_labels AS l ON l.node = n.node_id
