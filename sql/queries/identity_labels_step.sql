-- grain: one identifier node of a partition with its label after one step of minimum-label
-- propagation (ingest/components.py): the smallest of its own label, its neighbours' labels and
-- the label of its label (pointer jumping: the label names a node of the same component, so its
-- label is one too, and components long as chains converge in a few steps, not one per link).
-- Reads the temp views `mine` (this partition's labels), `links` (its links a -> b) and `labels`
-- (every partition's labels). A label is a node id, so the fixpoint labels each connected
-- component with its smallest node id.
WITH stepped AS (
    SELECT m.node, m.component AS was,
        least(m.component, coalesce(min(n.component), m.component),
            coalesce(any_value(j.component), m.component)) AS component
    FROM mine AS m
    LEFT JOIN links AS l ON l.a = m.node
    LEFT JOIN labels AS n ON n.node = l.b
    LEFT JOIN labels AS j ON j.node = m.component
    GROUP BY m.node, m.component
)
SELECT node, component, component <> was AS changed FROM stepped
