-- grain: one identifier, with the customer its connected component stitches to.
-- int_identity_roots gives each node the smallest node_id of its component (computed in Python,
-- identity.py); the key is a keyed hash of the component's smallest CRM customer node, or of its
-- smallest node when no CRM customer is linked (an unstitched visitor or contact).
with nodes as (
    select
        n.node,
        r.root_id
    from intermediate.int_identity_nodes as n
    inner join intermediate.int_identity_roots as r on n.node_id = r.node_id
),

anchors as (
    select
        root_id,
        min(node) filter (where starts_with(node, 'c:')) as crm_anchor,
        min(node) as any_anchor
    from nodes
    group by root_id
)

select
    n.node,
    'ck_' || left(sha256($salt || '|' || coalesce(a.crm_anchor, a.any_anchor)), 16) as customer_key,
    a.crm_anchor is not null as is_stitched
from nodes as n
inner join anchors as a on n.root_id = a.root_id
