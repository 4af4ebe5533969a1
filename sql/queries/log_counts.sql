-- grain: one row, the cases and activities an imported log batch holds.
SELECT count(DISTINCT case_id) AS cases, count(DISTINCT activity) AS activities
FROM raw.log WHERE _batch_id = $batch_id AND NOT _is_duplicate
