-- grain: one event of an imported event log (a case is a journey as is), typed, in UTC.
-- The case id is kept exactly as delivered: '', 'NA' and 'null' are case ids.
SELECT
    event_id,
    case_id,
    trim(activity) AS activity,
    occurred_at_utc AS occurred_at,
    nullif(trim(channel), '') AS channel,
    attributes,
    _seq AS seq,
    _batch_id AS batch_id,
    _is_late AS is_late
FROM raw.log
WHERE NOT _is_duplicate
