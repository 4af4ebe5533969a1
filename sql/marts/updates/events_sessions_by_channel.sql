-- split_by_channel: re-numbers the sessions of the events in scope per (customer, channel), with
-- the same rule as marts/events.sql (a gap STRICTLY greater than $gap_seconds starts a session;
-- ordering rule: occurred_at, then seq). Ids: '<customer or case>-<channel>-s<n>'.
UPDATE marts.events AS e
SET session_id = s.session_id
FROM (
    SELECT
        seq,
        coalesce(case_id, customer_key) || '-' || coalesce(channel, '(none)') || '-s'
            || sum(starts::INTEGER) OVER (
                PARTITION BY customer_key, case_id, channel ORDER BY occurred_at, seq
                ROWS UNBOUNDED PRECEDING
            ) AS session_id
    FROM (
        SELECT
            seq, customer_key, case_id, channel, occurred_at,
            coalesce(
                epoch_us(occurred_at) - lag(epoch_us(occurred_at)) OVER (
                    PARTITION BY customer_key, case_id, channel ORDER BY occurred_at, seq
                ) > $gap_seconds::BIGINT * 1000000,
                true
            ) AS starts
        FROM marts.events
        WHERE $full
            OR customer_key IN (SELECT p.customer_key FROM intermediate.int_path_scope AS p)
    )
) AS s
WHERE e.seq = s.seq
