-- grain: one web analytics event (event_id; the first delivery wins), typed, in UTC.
-- user_id is empty before login and the customer_id after it.
SELECT
    trim(event_id) AS event_id,
    nullif(trim(anonymous_id), '') AS anonymous_id,
    nullif(trim(user_id), '') AS user_id,
    trim(event_type) AS event_type,
    occurred_at_utc AS occurred_at,
    nullif(trim(page_path), '') AS page_path,
    nullif(trim(referrer), '') AS referrer,
    nullif(trim(device), '') AS device,
    attributes,
    _seq AS seq,
    _batch_id AS batch_id,
    _is_late AS is_late
FROM raw.web
WHERE NOT _is_duplicate
