-- grain: one handoff: an event of a journey whose team differs from the team of the event just
-- before it (both teams known; the marts.events is_team_handoff flag).
--
-- wait_seconds: from the event before the handoff to the handoff's event (how long the journey
--   waited between the two teams).
-- same_thread: both events belong to one thread (intermediate.int_events.thread_id with its
--   source: one order or one ticket, the thread a journey never splits) or to one imported
--   case: the company passing the case on, not the customer starting something new.
-- sla_seconds: the `within` of the handoff's touchpoint in a configured map whose steps include
--   the touchpoint before it (the shortest, when several maps give one;
--   intermediate.int_handoff_slas holds the maps' pairs); else, inside one thread,
--   effort.handoff_sla_seconds; else NULL: a customer who phones three days after browsing did
--   not wait three days for anybody.
-- After the handoff means from its event up to, not including, the journey's next handoff:
--   while the receiving team holds the journey. repeat_contacts and reopens count the
--   repeat contacts and reopenings of intermediate.int_effort_events there.
-- is_late: wait_seconds > sla_seconds. is_missed: late, or a repeat contact or a reopening
--   follows it. is_bounce: it hands the journey straight back (the journey's previous handoff
--   went from this handoff's receiving team to its giving team: A -> B, then B -> A).
WITH handoffs AS (
    SELECT
        e.journey_id,
        e.customer_key,
        e.step_index,
        e.occurred_at,
        e.touchpoint,
        e.team AS to_team,
        e.seq,
        e.case_id
    FROM marts.events AS e
    WHERE
        e.is_team_handoff
        AND ($full OR e.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s))
),

placed AS (
    SELECT
        h.*,
        p.touchpoint AS from_touchpoint,
        p.team AS from_team,
        p.seconds_to_next AS wait_seconds,
        p.seq AS from_seq
    FROM handoffs AS h
    JOIN marts.events AS p ON p.journey_id = h.journey_id AND p.step_index = h.step_index - 1
),

threads AS (
    -- the order or ticket of the events on either side of a handoff
    SELECT seq, source || ':' || thread_id AS thread
    FROM intermediate.int_events
    WHERE
        thread_id IS NOT NULL
        AND seq IN (SELECT seq FROM placed UNION SELECT from_seq FROM placed)
),

followed AS (
    -- each repeat contact or reopening, with the last handoff at or before it in its journey
    SELECT
        h.journey_id,
        h.step_index,
        count(*) FILTER (WHERE c.is_repeat_contact) AS repeat_contacts,
        count(*) FILTER (WHERE c.is_reopen) AS reopens
    FROM intermediate.int_effort_events AS c
    ASOF JOIN handoffs AS h ON c.journey_id = h.journey_id AND c.step_index >= h.step_index
    WHERE c.is_repeat_contact OR c.is_reopen
    GROUP BY h.journey_id, h.step_index
),

measured AS (
    SELECT
        p.*,
        -- an imported case is the journey itself: both events are in it
        coalesce(t.thread = f.thread, false) OR p.case_id IS NOT NULL AS same_thread,
        coalesce(a.repeat_contacts, 0) AS repeat_contacts,
        coalesce(a.reopens, 0) AS reopens
    FROM placed AS p
    LEFT JOIN followed AS a ON a.journey_id = p.journey_id AND a.step_index = p.step_index
    LEFT JOIN threads AS t ON t.seq = p.seq
    LEFT JOIN threads AS f ON f.seq = p.from_seq
),

with_sla AS (
    SELECT
        m.*,
        coalesce(
            s.sla_seconds, CASE WHEN m.same_thread THEN $handoff_sla_seconds::BIGINT END
        ) AS sla_seconds
    FROM measured AS m
    LEFT JOIN intermediate.int_handoff_slas AS s
        ON s.from_touchpoint = m.from_touchpoint AND s.to_touchpoint = m.touchpoint
)

SELECT
    journey_id,
    customer_key,
    step_index,
    occurred_at,
    from_touchpoint,
    touchpoint,
    from_team,
    to_team,
    wait_seconds,
    same_thread,
    sla_seconds,
    coalesce(wait_seconds > sla_seconds, false) AS is_late,
    repeat_contacts,
    reopens,
    coalesce(wait_seconds > sla_seconds, false) OR repeat_contacts > 0 OR reopens > 0 AS is_missed,
    coalesce(
        lag(to_team) OVER journey = from_team AND lag(from_team) OVER journey = to_team, false
    ) AS is_bounce
FROM with_sla
WINDOW journey AS (PARTITION BY journey_id ORDER BY step_index)
