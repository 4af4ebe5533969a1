-- grain: one row: the cut-off that journey status is measured against (journeys.cutoff when
-- configured, else the latest occurred_at in intermediate.int_events). A partition's build is
-- handed the writer's cut-off: its events are then not read (coalesce alone still read them:
-- 0.18 s of a 5M-event lane).
select
    coalesce(
        $cutoff::timestamptz,
        (
            select max(e.occurred_at)
            from intermediate.int_events as e
            where $cutoff is null
        )
    ) as cutoff_at
