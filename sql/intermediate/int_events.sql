-- grain: one accepted, deduplicated touchpoint event of any source, with its customer_key and
-- its touchpoint, channel, team and system from the first matching mapping rule (rules in
-- configuration order). Unmapped events keep event_type as touchpoint and the source defaults:
-- channel web / orders / the support channel; system web analytics / order system / the
-- support system. Ordering rule everywhere downstream: occurred_at, then seq.
WITH candidates AS (
    -- every (event, rule) whose source and event_type glob fit
    SELECT e.seq, r.rule_no, e.event_type, e.page_path, e.referrer, e.device, e.channel_in,
        e.team_in, e.system_in, e.category, e.order_id, e.ticket_id, e.attributes
    FROM intermediate.int_source_events AS e
    JOIN staging.touchpoint_rules AS r
        ON r.source = e.source AND e.event_type GLOB r.event_type_glob
), checked AS (
    -- a candidate matches when every field condition of its rule holds (rules without
    -- conditions match outright)
    SELECT cand.seq, cand.rule_no,
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
    GROUP BY cand.seq, cand.rule_no
), matches AS (
    SELECT seq, min(rule_no) AS rule_no FROM checked WHERE matched GROUP BY seq
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
    r.rule_no IS NULL AS is_unmapped,
    i.is_stitched
FROM intermediate.int_source_events AS e
JOIN intermediate.int_identity AS i ON i.node = e.node
LEFT JOIN matches AS m ON m.seq = e.seq
LEFT JOIN staging.touchpoint_rules AS r ON r.rule_no = m.rule_no
