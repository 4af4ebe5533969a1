-- grain: one identifier of the identity graph (a node of int_identity_edges), numbered in sort
-- order from 0, so the smallest node of a component is the one with the smallest node_id.
SELECT node, CAST(row_number() OVER (ORDER BY node) - 1 AS BIGINT) AS node_id
FROM (
    SELECT left_node AS node FROM intermediate.int_identity_edges
    UNION
    SELECT right_node FROM intermediate.int_identity_edges
)
