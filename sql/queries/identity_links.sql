-- grain: one link of the identity graph in one direction (every link twice, a self-link once),
-- as node ids (int_identity_nodes), with the partition of its first end: the input of label
-- propagation (ingest/components.py), whose partition k owns the nodes of hash bucket k.
WITH ids AS (
    SELECT l.node_id AS a, r.node_id AS b
    FROM intermediate.int_identity_edges AS e
    JOIN intermediate.int_identity_nodes AS l ON l.node = e.left_node
    JOIN intermediate.int_identity_nodes AS r ON r.node = e.right_node
)
SELECT a, b, hash(a) % $parts AS part
FROM (SELECT a, b FROM ids UNION ALL SELECT b, a FROM ids WHERE a <> b)
