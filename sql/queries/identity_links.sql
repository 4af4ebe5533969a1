-- grain: one link of the identity graph in one direction (every link twice, a self-link once),
-- with the partition of its first end: the input of label propagation (ingest/components.py),
-- whose partition k owns the nodes whose hash bucket is k.
SELECT a, b, hash(a) % $parts AS part
FROM (
    SELECT left_node AS a, right_node AS b FROM intermediate.int_identity_edges
    UNION ALL
    SELECT right_node, left_node FROM intermediate.int_identity_edges
    WHERE right_node <> left_node
)
