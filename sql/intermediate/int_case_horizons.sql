-- grain: one case of an imported log delivered by a live extract (import-log
-- --open-cases-horizon), with that horizon (the longest, when several imports delivered it).
-- Cases of historical imports (the default) have no row: every one of them is completed.
SELECT l.case_id, max(i.open_cases_horizon_seconds) AS open_cases_horizon_seconds
FROM staging.stg_log AS l
JOIN raw.log_imports AS i ON i.batch_id = l.batch_id
WHERE i.open_cases_horizon_seconds IS NOT NULL
GROUP BY l.case_id
