-- grain: one accepted, deduplicated event of any source, before touchpoint mapping, with the
-- identifier node that carries its customer. seq (arrival order) is unique across sources.
SELECT seq, event_id, 'transactions' AS source, 'c:' || customer_id AS node,
    CAST(NULL AS VARCHAR) AS case_id, event_type, occurred_at,
    CAST(NULL AS VARCHAR) AS page_path, CAST(NULL AS VARCHAR) AS referrer,
    CAST(NULL AS VARCHAR) AS device, CAST(NULL AS VARCHAR) AS channel_in,
    CAST(NULL AS VARCHAR) AS team_in, CAST(NULL AS VARCHAR) AS system_in,
    CAST(NULL AS VARCHAR) AS category, order_id, CAST(NULL AS VARCHAR) AS ticket_id,
    -- in the configured currency (staging.exchange_rates; no currency: already in it)
    CASE event_type WHEN 'payment_captured' THEN coalesce(amount * coalesce(rate, 1), 0)
        WHEN 'refund_issued' THEN -coalesce(amount * coalesce(rate, 1), 0) ELSE 0 END AS value,
    attributes, batch_id
FROM staging.stg_transactions
LEFT JOIN staging.exchange_rates USING (currency)
UNION ALL
SELECT seq, event_id, 'web', CASE WHEN user_id IS NOT NULL THEN 'c:' || user_id ELSE 'a:' || anonymous_id END,
    NULL, event_type, occurred_at, page_path, referrer, device, NULL, NULL, NULL, NULL, NULL, NULL,
    0, attributes, batch_id
FROM staging.stg_web
UNION ALL
SELECT seq, event_id, 'support', 't:' || ticket_id, NULL, event_type, occurred_at,
    NULL, NULL, NULL, channel, team, system, category, NULL, ticket_id, 0, attributes, batch_id
FROM staging.stg_support
UNION ALL
SELECT seq, event_id, 'log', 'l:' || case_id, case_id, activity, occurred_at,
    NULL, NULL, NULL, channel, NULL, NULL, NULL, NULL, NULL, 0, attributes, batch_id
FROM staging.stg_log
