-- grain: one accepted, deduplicated touchpoint event of any source, with its customer_key and
-- its touchpoint, channel, team and system from the first matching mapping rule (rules in
-- configuration order). Unmapped events keep event_type as touchpoint and the source defaults:
-- channel web / orders / the support channel; system web analytics / order system / the
-- support system. Ordering rule everywhere downstream: occurred_at, then seq.
WITH matches AS (
    SELECT e.seq, min(r.rule_no) AS rule_no
    FROM intermediate.int_source_events AS e
    JOIN staging.touchpoint_rules AS r
        ON r.source = e.source AND e.event_type GLOB r.event_type_glob
    WHERE NOT EXISTS (
        SELECT 1 FROM staging.touchpoint_conditions AS c
        WHERE c.rule_no = r.rule_no AND NOT coalesce((
            CASE c.field
                WHEN 'event_type' THEN e.event_type WHEN 'page_path' THEN e.page_path
                WHEN 'referrer' THEN e.referrer WHEN 'device' THEN e.device
                WHEN 'channel' THEN e.channel_in WHEN 'team' THEN e.team_in
                WHEN 'system' THEN e.system_in WHEN 'category' THEN e.category
                WHEN 'order_id' THEN e.order_id WHEN 'ticket_id' THEN e.ticket_id
                ELSE json_extract_string(e.attributes, '$."' || c.field || '"')
            END
        ) GLOB c.pattern, false)
    )
    GROUP BY e.seq
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
