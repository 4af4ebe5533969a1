-- grain: one row, the headline counts of a build.
SELECT
    (SELECT count(*) FROM intermediate.int_events) AS events,
    (SELECT count(*) FILTER (WHERE NOT is_stitched AND source <> 'log') FROM intermediate.int_events) AS unstitched_events,
    (SELECT count(*) FILTER (WHERE is_unmapped AND source <> 'log') FROM intermediate.int_events) AS unmapped_events,
    (SELECT count(*) FROM intermediate.int_dirty_customers) AS dirty_customers
