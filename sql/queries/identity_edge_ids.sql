-- grain: one link of the identity graph, as the node ids (int_identity_nodes) of its two ends.
SELECT l.node_id AS left_id, r.node_id AS right_id
FROM intermediate.int_identity_edges AS e
JOIN intermediate.int_identity_nodes AS l ON l.node = e.left_node
JOIN intermediate.int_identity_nodes AS r ON r.node = e.right_node
