-- grain: one identifier, with the customer its connected component stitches to.
-- int_identity_components gives each node its component (identity.py: a union-find; or, in a
-- partitioned build, label propagation over partitioned links: ingest/components.py); the key
-- is a keyed hash of the component's smallest CRM customer node, or of its smallest node when
-- no CRM customer is linked (an unstitched visitor or contact).
WITH anchors AS (
    SELECT component,
        min(node) FILTER (WHERE starts_with(node, 'c:')) AS crm_anchor,
        min(node) AS any_anchor
    FROM intermediate.int_identity_components
    GROUP BY component
)
SELECT n.node,
    'ck_' || left(sha256($salt || '|' || coalesce(a.crm_anchor, a.any_anchor)), 16) AS customer_key,
    a.crm_anchor IS NOT NULL AS is_stitched
FROM intermediate.int_identity_components AS n
JOIN anchors AS a ON a.component = n.component
