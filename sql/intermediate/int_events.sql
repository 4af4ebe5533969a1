-- grain: one accepted, deduplicated touchpoint event of any source, with its customer_key and
-- its touchpoint, channel, team and system from the first matching mapping rule (rules in
-- configuration order). Unmapped events keep event_type as touchpoint and the source defaults:
-- channel web / orders / the support channel; system web analytics / order system / the
-- support system. Ordering rule everywhere downstream: occurred_at, then seq.
--
-- Rules are matched once per distinct *signature*: the source, the event type and the values of
-- the fields that source's rules test (a page path, a sales channel attribute), hashed. Millions
-- of page views share a few hundred signatures, so the glob tests run on those, not per event.
-- The sources are read twice (the signatures, then the events), never materialised in between:
-- a second narrow scan and hash is much cheaper than writing and re-reading every wide row.
WITH source_events AS NOT MATERIALIZED (
    -- one accepted, deduplicated event of any source, before touchpoint mapping, with the
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
), tested AS (
    -- the fields each source's rules test; any other name is a delivered attribute
    SELECT r.source,
        CASE WHEN c.field IN ('event_type', 'page_path', 'referrer', 'device', 'channel', 'team',
            'system', 'category', 'order_id', 'ticket_id') THEN c.field ELSE 'attributes' END
            AS field
    FROM staging.touchpoint_conditions AS c
    JOIN staging.touchpoint_rules AS r USING (rule_no)
), flags AS (
    SELECT source,
        bool_or(field = 'page_path') AS t_page_path, bool_or(field = 'referrer') AS t_referrer,
        bool_or(field = 'device') AS t_device, bool_or(field = 'channel') AS t_channel,
        bool_or(field = 'team') AS t_team, bool_or(field = 'system') AS t_system,
        bool_or(field = 'category') AS t_category, bool_or(field = 'order_id') AS t_order_id,
        bool_or(field = 'ticket_id') AS t_ticket_id, bool_or(field = 'attributes') AS t_attributes
    FROM tested
    GROUP BY source
), keyed AS NOT MATERIALIZED (
    -- each event with only the fields its source's rules test (the rest NULL), and their hash
    SELECT *, hash(source, event_type, page_path_t, referrer_t, device_t, channel_t, team_t,
        system_t, category_t, order_id_t, ticket_id_t, attributes_t) AS signature
    FROM (
        SELECT e.*,
            CASE WHEN f.t_page_path THEN e.page_path END AS page_path_t,
            CASE WHEN f.t_referrer THEN e.referrer END AS referrer_t,
            CASE WHEN f.t_device THEN e.device END AS device_t,
            CASE WHEN f.t_channel THEN e.channel_in END AS channel_t,
            CASE WHEN f.t_team THEN e.team_in END AS team_t,
            CASE WHEN f.t_system THEN e.system_in END AS system_t,
            CASE WHEN f.t_category THEN e.category END AS category_t,
            CASE WHEN f.t_order_id THEN e.order_id END AS order_id_t,
            CASE WHEN f.t_ticket_id THEN e.ticket_id END AS ticket_id_t,
            CASE WHEN f.t_attributes THEN e.attributes END AS attributes_t
        FROM source_events AS e
        LEFT JOIN flags AS f ON f.source = e.source
    )
), signatures AS (
    SELECT signature, any_value(source) AS source, any_value(event_type) AS event_type,
        any_value(page_path_t) AS page_path, any_value(referrer_t) AS referrer,
        any_value(device_t) AS device, any_value(channel_t) AS channel_in,
        any_value(team_t) AS team_in, any_value(system_t) AS system_in,
        any_value(category_t) AS category, any_value(order_id_t) AS order_id,
        any_value(ticket_id_t) AS ticket_id, any_value(attributes_t) AS attributes
    FROM keyed
    GROUP BY signature
), candidates AS (
    -- every (signature, rule) whose source and event_type glob fit
    SELECT s.*, r.rule_no
    FROM signatures AS s
    JOIN staging.touchpoint_rules AS r
        ON r.source = s.source AND s.event_type GLOB r.event_type_glob
), checked AS (
    -- a candidate matches when every field condition of its rule holds (rules without
    -- conditions match outright)
    SELECT cand.signature, cand.rule_no,
        bool_and(c.rule_no IS NULL OR coalesce((
            CASE c.field
                WHEN 'event_type' THEN cand.event_type WHEN 'page_path' THEN cand.page_path
                WHEN 'referrer' THEN cand.referrer WHEN 'device' THEN cand.device
                WHEN 'channel' THEN cand.channel_in WHEN 'team' THEN cand.team_in
                WHEN 'system' THEN cand.system_in WHEN 'category' THEN cand.category
                WHEN 'order_id' THEN cand.order_id WHEN 'ticket_id' THEN cand.ticket_id
                ELSE json_extract_string(cand.attributes, '$."' || c.field || '"')
            END
        ) GLOB c.pattern, false)) AS matched
    FROM candidates AS cand
    LEFT JOIN staging.touchpoint_conditions AS c ON c.rule_no = cand.rule_no
    GROUP BY cand.signature, cand.rule_no
), matches AS (
    SELECT signature, min(rule_no) AS rule_no FROM checked WHERE matched GROUP BY signature
)
SELECT
    e.event_id,
    e.source,
    i.customer_key,
    e.case_id,
    e.occurred_at,
    e.seq,
    e.event_type,
    coalesce(r.touchpoint, e.event_type) AS touchpoint,
    coalesce(r.channel, e.channel_in, CASE e.source WHEN 'web' THEN 'web'
        WHEN 'transactions' THEN 'orders' END) AS channel,
    coalesce(r.team, e.team_in) AS team,
    coalesce(r.system, e.system_in, CASE e.source WHEN 'web' THEN 'web analytics'
        WHEN 'transactions' THEN 'order system' END) AS system,
    e.value,
    e.batch_id,
    -- the thread a journey never splits (marts/events.sql): an order or a ticket (unique with
    -- the source), NULL for web and log events (an imported case is a journey as is)
    coalesce(e.order_id, nullif(e.ticket_id, '')) AS thread_id,
    r.rule_no IS NULL AS is_unmapped,
    i.is_stitched
FROM keyed AS e
JOIN intermediate.int_identity AS i ON i.node = e.node
LEFT JOIN matches AS m ON m.signature = e.signature
LEFT JOIN staging.touchpoint_rules AS r ON r.rule_no = m.rule_no
