-- grain: one row: the cut-off that journey status is measured against (journeys.cutoff when
-- configured, else the latest occurred_at in intermediate.int_events).
select
    coalesce(
        $cutoff::timestamptz,
        (select max(e.occurred_at) from intermediate.int_events as e)
    ) as cutoff_at
