-- grain: one row, the headline counts of a build.
select
    (select count(*) from intermediate.int_events) as events,
    (
        select count(*) filter (where not is_stitched and source <> 'log')
        from intermediate.int_events
    ) as unstitched_events,
    (select count(*) filter (where is_unmapped and source <> 'log') from intermediate.int_events)
        as unmapped_events,
    -- accepted events no journey holds: those a touchpoint rule skips (skip: true)
    (
        select coalesce(sum(rows_accepted), 0) from raw.manifest
        where source <> 'customers'
    )
    - (select count(*) from intermediate.int_events) as skipped_events,
    (select count(*) from intermediate.int_dirty_customers) as dirty_customers
