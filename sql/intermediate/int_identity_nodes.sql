-- grain: one identifier of the identity graph (a node of int_identity_edges), numbered from 0
-- in no particular order: the numbers only tell components apart (int_identity_components);
-- int_identity names each component by its nodes themselves. (No sort of the node names.)
SELECT node, CAST(row_number() OVER () - 1 AS BIGINT) AS node_id
FROM (
    SELECT left_node AS node FROM intermediate.int_identity_edges
    UNION
    SELECT right_node FROM intermediate.int_identity_edges
)
