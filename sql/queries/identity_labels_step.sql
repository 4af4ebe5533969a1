-- grain: one identifier node of a partition with its label after one step of minimum-label
-- propagation (ingest/components.py): the smallest of its own label, its neighbours' labels and
-- the label of its label (pointer jumping: the label names a node of the same component, so its
-- label is one too, and components long as chains converge in a few steps, not one per link).
-- Reads the temp views `mine` (this partition's labels), `links` (its links a -> b) and `labels`
-- (every partition's labels). A label is a node id, so the fixpoint labels each connected
-- component with its smallest node id.
with stepped as (
    select
        m.node,
        m.component as was,
        least(
            m.component, coalesce(min(n.component), m.component),
            coalesce(any_value(j.component), m.component)
        ) as component
    from mine as m
    left join links as l on m.node = l.a
    left join labels as n on l.b = n.node
    left join labels as j on m.component = j.node
    group by m.node, m.component
)

select
    node,
    component,
    component <> was as changed
from stepped
