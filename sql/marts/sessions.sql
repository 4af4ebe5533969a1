-- grain: one row per session (a customer's run of events without an inactivity gap longer than
-- sessions.gap_seconds, cut at sessions.max_seconds; see marts/events.sql).
-- channels: the distinct non-null channels of the session, sorted.
SELECT
    session_id,
    any_value(customer_key) AS customer_key,
    min(occurred_at) AS started_at,
    max(occurred_at) AS ended_at,
    count(*) AS n_events,
    list_sort(list(DISTINCT channel) FILTER (WHERE channel IS NOT NULL)) AS channels,
    (epoch_us(max(occurred_at)) - epoch_us(min(occurred_at))) / 1e6 AS duration_seconds
FROM marts.events
WHERE ($full OR customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s))
    -- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...)
    AND hash(customer_key) % $parts = $part
GROUP BY session_id
