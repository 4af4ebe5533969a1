-- grain: one identifier, with the customer its connected component stitches to.
-- int_identity_components gives each node its component (identity.py: a union-find; or, in a
-- partitioned build, label propagation over partitioned links: ingest/components.py); the key
-- is a keyed hash of the component's smallest CRM customer node, or of its smallest node when
-- no CRM customer is linked (an unstitched visitor or contact).
with anchors as (
    select
        component,
        min(node) filter (where starts_with(node, 'c:')) as crm_anchor,
        min(node) as any_anchor
    from intermediate.int_identity_components
    group by component
)

select
    n.node,
    'ck_' || left(sha256($salt || '|' || coalesce(a.crm_anchor, a.any_anchor)), 16) as customer_key,
    a.crm_anchor is not null as is_stitched
from intermediate.int_identity_components as n
inner join anchors as a on n.component = a.component
