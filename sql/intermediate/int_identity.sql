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
    from int_identity_components
    group by component
),

keyed as (
    -- one hash per component, not per node (a component holds about four nodes at 10M events)
    select
        component,
        'ck_' || left(sha256($salt || '|' || coalesce(crm_anchor, any_anchor)), 16) as customer_key,
        crm_anchor is not null as is_stitched
    from anchors
)

select
    n.node,
    k.customer_key,
    k.is_stitched
from int_identity_components as n
inner join keyed as k on n.component = k.component
