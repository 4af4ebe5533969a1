-- grain: one row per accepted touchpoint event, with its journey, session and step.
--
-- Scope: every customer when $full, else the customers of intermediate.int_path_scope (an
-- incremental build deletes their rows and appends these).
-- Ordering rule: inside a customer (and, for imported logs, a case) events are ordered by
-- occurred_at, then seq (arrival order). Every window below uses that one order, so DuckDB
-- sorts the events once per level.
-- Sessions: a new session starts when the gap to the previous event of the customer is
-- STRICTLY greater than $gap_seconds; a gap exactly equal to $gap_seconds stays in the session.
-- (Sessions longer than max_seconds are cut afterwards: intermediate.int_session_cuts; the
-- split_by_channel option re-numbers them: marts/updates/events_sessions_by_channel.sql.)
-- Journeys: a new journey starts at a customer's first event, after a gap strictly greater than
-- $horizon_seconds, at an event whose touchpoint is in $start_touchpoints, and after an event
-- whose touchpoint is in $end_touchpoints. Events with a case_id (imported logs) keep their
-- case as the journey, as is: journey_id = case_id, no cuts.
-- Threads: a journey never splits the events of one thread (source and thread_id: an order,
-- a ticket).
-- A thread's events from its first to its last hold the journey open: no journey starts inside
-- that span (overlapping spans merge into one), and an end touchpoint inside it ends the journey
-- after the span's last event, once the threads it holds are closed. (A ticket opened before
-- 'Order delivered' and resolved after it stays in the order's journey.)
-- Ids are stable: a rebuild of the same events gives the same ids.
--   journey_id = case_id, else customer_key || '-j' || n (n = 1, 2, ... inside the customer)
--   session_id = coalesce(case_id, customer_key) || '-s' || n
-- next_touchpoint / seconds_to_next describe the next step of the same journey (NULL on the
-- last step): they are the directly-follows pairs that the mining marts count.
WITH scoped AS NOT MATERIALIZED (
    SELECT
        e.event_id,
        e.source,
        e.customer_key,
        e.case_id,
        e.occurred_at,
        e.seq,
        e.event_type,
        coalesce(e.touchpoint, e.event_type) AS touchpoint,
        e.channel,
        e.team,
        e.system,
        coalesce(e.value, 0.0) AS value,
        epoch_us(e.occurred_at) AS at_us,
        e.case_id IS NULL
            AND list_contains($start_touchpoints::VARCHAR[], coalesce(e.touchpoint, e.event_type))
            AS is_start_touchpoint,
        e.case_id IS NULL
            AND list_contains($end_touchpoints::VARCHAR[], coalesce(e.touchpoint, e.event_type))
            AS is_end_touchpoint,
        e.thread_id,
        -- occurred_at then seq as one positive number (timestamps are from 1900 on)
        (epoch_us(e.occurred_at) + 10000000000000000)::HUGEINT * 1000000000000000000 + e.seq
            AS position
    FROM intermediate.int_events AS e
    WHERE $full OR e.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s)
),

spans AS (
    -- what holds a journey open, from its first to its last event in the ordering rule
    -- (position = occurred_at, then seq, as one number: seq < 10^18): each thread with two or
    -- more events; and each end touchpoint that is not one (a point, so that an end touchpoint
    -- inside another thread's span marks that span as ending the journey). One scan: events
    -- without a thread group alone (by seq).
    SELECT
        customer_key,
        min(position) AS first_at,
        max(position) AS last_at,
        bool_or(is_end_touchpoint) AS has_end
    FROM scoped
    WHERE thread_id IS NOT NULL OR is_end_touchpoint
    GROUP BY customer_key, source, thread_id, CASE WHEN thread_id IS NULL THEN seq END
    HAVING count(*) > 1 OR bool_or(is_end_touchpoint)
),

merged AS (
    -- overlapping spans of a customer merge into one block (a span starting after every
    -- earlier span has ended starts a new block)
    SELECT
        customer_key,
        first_at,
        last_at,
        has_end,
        sum(starts_block::INTEGER) OVER (
            PARTITION BY customer_key ORDER BY first_at, last_at ROWS UNBOUNDED PRECEDING
        ) AS block_no
    FROM (
        SELECT
            *,
            coalesce(first_at > max(last_at) OVER (
                PARTITION BY customer_key ORDER BY first_at, last_at
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ), true) AS starts_block
        FROM spans
    )
),

blocks AS (
    SELECT min(first_at) AS first_at, max(last_at) AS last_at, bool_or(has_end) AS has_end
    FROM merged
    GROUP BY customer_key, block_no
),

marks AS (
    -- per event at a block's edge: opens (+1 on its first event) / closes (-1 on its last)
    -- the block, and whether a journey ends after it (the block holds an end touchpoint)
    SELECT CAST(first_at % 1000000000000000000 AS BIGINT) AS seq, 1 AS open_delta,
        false AS ends_journey
    FROM blocks
    WHERE first_at < last_at
    UNION ALL
    SELECT CAST(last_at % 1000000000000000000 AS BIGINT),
        CASE WHEN first_at < last_at THEN -1 ELSE 0 END, has_end
    FROM blocks
),

marked AS (
    SELECT
        e.* EXCLUDE (thread_id, is_end_touchpoint, position),  -- not carried through the sorts
        coalesce(m.open_delta, 0) AS open_delta,
        coalesce(m.ends_journey, false) AS ends_journey
    FROM scoped AS e
    LEFT JOIN marks AS m ON m.seq = e.seq
),

boundaries AS (
    SELECT
        *,
        row_number() OVER w AS customer_step,
        coalesce(at_us - lag(at_us) OVER w > $gap_seconds::BIGINT * 1000000, true)
            AS starts_session,
        lag(seq) OVER w IS NULL  -- the first event of a customer or case
            OR (
                case_id IS NULL
                -- not inside a block: the blocks opened before this event are all closed
                AND sum(open_delta) OVER w - open_delta = 0
                AND (
                    at_us - lag(at_us) OVER w > $horizon_seconds::BIGINT * 1000000
                    OR is_start_touchpoint
                    OR lag(ends_journey) OVER w
                )
            )
        AS starts_journey,
        coalesce(channel <> lag(channel) OVER w, false) AS channel_changed,
        coalesce(team <> lag(team) OVER w, false) AS team_changed
    FROM marked
    WINDOW w AS (PARTITION BY customer_key, case_id ORDER BY occurred_at, seq)
),

numbered AS (
    SELECT
        *,
        sum(starts_session::INTEGER) OVER w AS session_no,
        sum(starts_journey::INTEGER) OVER w AS journey_no,
        max(CASE WHEN starts_journey THEN customer_step END) OVER w AS journey_first_step,
        lead(touchpoint) OVER w AS lead_touchpoint,
        lead(at_us) OVER w AS lead_at_us,
        lead(starts_journey) OVER w AS lead_starts_journey
    FROM boundaries
    WINDOW w AS (
        PARTITION BY customer_key, case_id ORDER BY occurred_at, seq ROWS UNBOUNDED PRECEDING
    )
)

SELECT
    event_id,
    source,
    customer_key,
    coalesce(case_id, customer_key || '-j' || journey_no) AS journey_id,
    coalesce(case_id, customer_key) || '-s' || session_no AS session_id,
    occurred_at,
    seq,
    customer_step - journey_first_step + 1 AS step_index,
    touchpoint,
    channel,
    team,
    system,
    value,
    event_type,
    case_id,
    CASE WHEN NOT lead_starts_journey THEN lead_touchpoint END AS next_touchpoint,
    CASE WHEN NOT lead_starts_journey THEN (lead_at_us - at_us) / 1e6 END AS seconds_to_next,
    channel_changed AND NOT starts_journey AS is_channel_switch,
    team_changed AND NOT starts_journey AS is_team_handoff
FROM numbered
