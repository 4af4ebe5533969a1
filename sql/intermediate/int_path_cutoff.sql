-- grain: one row: the cut-off that journey status is measured against (journeys.cutoff when
-- configured, else the latest occurred_at in intermediate.int_events).
SELECT
    coalesce(
        $cutoff::TIMESTAMPTZ,
        (SELECT max(e.occurred_at) FROM intermediate.int_events AS e)
    ) AS cutoff_at
