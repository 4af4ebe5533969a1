-- grain: one row of an imported event log with the first violation in _reason (NULL when valid).
-- The case id is a value as delivered: '', 'NA' and 'null' are case ids, not missing values.
-- event_id: the log's own id (--event-id-col), else a content key: a hash of the case, the
-- activity, the instant and the other columns, numbered when the same content comes more than
-- once in the file. It never depends on the row's position, so a re-delivered log, in any
-- order, has the same keys, and two files' different events never share one.
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
WITH typed AS (
    SELECT *, journeys_parse_ts(occurred_at, $tz) AS occurred_at_utc
    FROM landing_std
), hashed AS (
    SELECT *, md5(concat_ws(chr(31),
            coalesce(case_id, chr(0)),
            coalesce(activity, chr(0)),
            coalesce(CAST(occurred_at_utc AS VARCHAR), occurred_at, chr(0)),
            coalesce(CAST(attributes AS VARCHAR), chr(0))
        )) AS _content
    FROM typed
), keyed AS (
    SELECT * EXCLUDE (_content) REPLACE (
            coalesce(
                nullif(trim(event_id), ''),
                'k' || left(_content, 24) || '-'
                    || CAST(row_number() OVER (PARTITION BY _content ORDER BY _line) AS VARCHAR)
            ) AS event_id
        )
    FROM hashed
)
SELECT *,
    event_id AS _key,
    CASE
        WHEN case_id IS NULL THEN 'case id is missing in this row; every event needs its case'
        WHEN journeys_blank(activity) THEN 'activity is empty; every event needs its activity'
        WHEN occurred_at_utc IS NULL THEN 'the timestamp column '
            || coalesce(journeys_ts_problem(occurred_at), 'is not a timestamp; use ISO-8601')
    END AS _reason
FROM keyed
