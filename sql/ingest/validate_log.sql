-- grain: one row of an imported event log with the first violation in _reason (NULL when valid).
-- The case id is a value as delivered: '', 'NA' and 'null' are case ids, not missing values.
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
WITH typed AS (
    SELECT * REPLACE (
            coalesce(nullif(trim(event_id), ''), case_id || '#' || CAST(_line AS VARCHAR)) AS event_id
        ),
        journeys_parse_ts(occurred_at, $tz) AS occurred_at_utc
    FROM landing_std
)
SELECT *,
    event_id AS _key,
    CASE
        WHEN case_id IS NULL THEN 'case id is missing in this row; every event needs its case'
        WHEN journeys_blank(activity) THEN 'activity is empty; every event needs its activity'
        WHEN occurred_at_utc IS NULL THEN 'the timestamp column '
            || coalesce(journeys_ts_problem(occurred_at), 'is not a timestamp; use ISO-8601')
    END AS _reason
FROM typed
