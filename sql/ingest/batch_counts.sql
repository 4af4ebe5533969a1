-- grain: one row, the reconciliation counts of the file in landing_marked.
SELECT
    count(*) AS parsed,
    count(*) FILTER (WHERE NOT _valid) AS invalid,
    count(*) FILTER (WHERE _is_duplicate) AS duplicates,
    count(*) FILTER (WHERE _valid AND NOT _is_duplicate AND _is_late) AS late_events
FROM landing_marked
