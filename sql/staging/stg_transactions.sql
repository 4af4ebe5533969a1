-- grain: one transaction event (event_id; the first delivery wins), typed, in UTC.
SELECT
    trim(event_id) AS event_id,
    trim(customer_id) AS customer_id,
    nullif(trim(order_id), '') AS order_id,
    trim(event_type) AS event_type,
    occurred_at_utc AS occurred_at,
    try_cast(trim(amount) AS DOUBLE) AS amount,
    nullif(upper(trim(currency)), '') AS currency,
    attributes,
    _seq AS seq,
    _batch_id AS batch_id,
    _is_late AS is_late
FROM raw.transactions
WHERE NOT _is_duplicate
