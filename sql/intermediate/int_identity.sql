-- grain: one identifier, with the customer its connected component stitches to.
-- int_identity_roots gives each node the smallest node_id of its component (computed in Python,
-- identity.py); the key is a keyed hash of the component's smallest CRM customer node, or of its
-- smallest node when no CRM customer is linked (an unstitched visitor or contact).
WITH nodes AS (
    SELECT n.node, r.root_id
    FROM intermediate.int_identity_nodes AS n
    JOIN intermediate.int_identity_roots AS r ON r.node_id = n.node_id
), anchors AS (
    SELECT root_id,
        min(node) FILTER (WHERE starts_with(node, 'c:')) AS crm_anchor,
        min(node) AS any_anchor
    FROM nodes
    GROUP BY root_id
)
SELECT n.node,
    'ck_' || left(sha256($salt || '|' || coalesce(a.crm_anchor, a.any_anchor)), 16) AS customer_key,
    a.crm_anchor IS NOT NULL AS is_stitched
FROM nodes AS n
JOIN anchors AS a ON a.root_id = n.root_id
