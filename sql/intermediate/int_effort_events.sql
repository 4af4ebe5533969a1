-- grain: one contact or reopening event of the customers in scope (every customer when $full,
-- else those of intermediate.int_path_scope), with its thread, topic and whether it repeats an
-- earlier contact. The input of marts.journey_handoffs and marts.journey_effort.
--
-- contact: a touchpoint in $contact_touchpoints; with none configured, a support event of type
--          `contact`. reopen: a touchpoint in $reopen_touchpoints; with none configured, a
--          support event of type `ticket_reopened`.
-- thread:  the event's thread, its source and intermediate.int_events.thread_id (the order or
--          the ticket, `support:<ticket_id>`: the thread a journey never splits), else the
--          imported case (`c:<case_id>`).
-- topic:   the support category (billing, delivery, ...); NULL for other sources.
-- is_repeat_contact: a contact whose customer's previous contact on the same thread, or on the
--          same topic, is at most $repeat_window_seconds before it (ordering rule: occurred_at,
--          then seq). Customer-wide, across journeys: calling again about the same order a week
--          later still repeats the first call.
WITH scoped AS (
    SELECT
        e.journey_id,
        e.customer_key,
        e.step_index,
        e.occurred_at,
        e.seq,
        e.touchpoint,
        e.source,
        e.case_id,
        CASE
            WHEN len($contact_touchpoints::VARCHAR[]) > 0
                THEN list_contains($contact_touchpoints::VARCHAR[], e.touchpoint)
            ELSE e.source = 'support' AND e.event_type = 'contact'
        END AS is_contact,
        CASE
            WHEN len($reopen_touchpoints::VARCHAR[]) > 0
                THEN list_contains($reopen_touchpoints::VARCHAR[], e.touchpoint)
            ELSE e.source = 'support' AND e.event_type = 'ticket_reopened'
        END AS is_reopen
    FROM marts.events AS e
    WHERE $full OR e.customer_key IN (SELECT p.customer_key FROM intermediate.int_path_scope AS p)
),

kept AS (
    SELECT
        k.* EXCLUDE (source, case_id),
        epoch_us(k.occurred_at) AS at_us,
        coalesce(i.source || ':' || i.thread_id, 'c:' || k.case_id) AS thread,
        s.category AS topic
    FROM scoped AS k
    LEFT JOIN intermediate.int_events AS i ON i.seq = k.seq
    LEFT JOIN staging.stg_support AS s ON k.source = 'support' AND s.seq = k.seq
    WHERE k.is_contact OR k.is_reopen
),

contacts AS (
    SELECT
        *,
        CASE WHEN thread IS NOT NULL THEN at_us - lag(at_us) OVER by_thread END AS us_since_thread,
        CASE WHEN topic IS NOT NULL THEN at_us - lag(at_us) OVER by_topic END AS us_since_topic
    FROM kept
    WHERE is_contact
    WINDOW
        by_thread AS (PARTITION BY customer_key, thread ORDER BY occurred_at, seq),
        by_topic AS (PARTITION BY customer_key, topic ORDER BY occurred_at, seq)
)

SELECT
    journey_id,
    customer_key,
    step_index,
    occurred_at,
    seq,
    touchpoint,
    thread,
    topic,
    true AS is_contact,
    is_reopen,
    coalesce(
        least(us_since_thread, us_since_topic) <= $repeat_window_seconds::BIGINT * 1000000, false
    ) AS is_repeat_contact,
    least(us_since_thread, us_since_topic) / 1e6 AS seconds_since_previous
FROM contacts
UNION ALL
SELECT
    journey_id,
    customer_key,
    step_index,
    occurred_at,
    seq,
    touchpoint,
    thread,
    topic,
    false,
    true,
    false,
    NULL
FROM kept
WHERE is_reopen AND NOT is_contact
