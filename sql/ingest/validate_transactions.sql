-- grain: one delivered transactions row, typed, with the first contract violation in _reason
-- (NULL when the row is valid) and its dedup key (event_id).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
WITH typed AS (
    SELECT *,
        journeys_parse_ts(occurred_at, $tz) AS occurred_at_utc,
        try_cast(trim(amount) AS DOUBLE) AS _amount
    FROM landing_std
)
SELECT * EXCLUDE (_amount),
    trim(event_id) AS _key,
    CASE
        WHEN journeys_blank(event_id) THEN 'event_id is empty; every transaction needs its id'
        WHEN journeys_blank(customer_id) THEN 'customer_id is empty; every transaction names its customer'
        WHEN journeys_blank(event_type) THEN 'event_type is empty; e.g. order_placed'
        WHEN journeys_blank(occurred_at) THEN 'occurred_at is empty; every event needs its time'
        WHEN occurred_at_utc IS NULL THEN 'occurred_at ' || coalesce(
            journeys_ts_problem(occurred_at),
            'is not a timestamp; use ISO-8601 such as 2026-03-01T10:00:00+01:00'
        )
        WHEN NOT journeys_blank(amount) AND (_amount IS NULL OR NOT isfinite(_amount))
            THEN 'amount is not a number; use a plain decimal such as 19.90'
        WHEN abs(_amount) > 1e15
            THEN 'amount is beyond 10^15; no payment is that large (journey values add amounts up '
            || 'and would overflow): check the export''s units and decimal separator'
        WHEN _amount < 0
            THEN 'amount is negative; send refunds as refund_issued with a positive amount'
    END AS _reason
FROM typed
