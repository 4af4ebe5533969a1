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
-- $horizon_seconds, at an event whose touchpoint is in $start_touchpoints, and at the event after
-- one whose touchpoint is in $end_touchpoints. Events with a case_id (imported logs) keep their
-- case as the journey, as is: journey_id = case_id, no cuts.
-- Ids are stable: a rebuild of the same events gives the same ids.
--   journey_id = case_id, else customer_key || '-j' || n (n = 1, 2, ... inside the customer)
--   session_id = coalesce(case_id, customer_key) || '-s' || n
-- next_touchpoint / seconds_to_next describe the next step of the same journey (NULL on the
-- last step): they are the directly-follows pairs that the mining marts count.
WITH scoped AS (
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
            AS is_end_touchpoint
    FROM intermediate.int_events AS e
    WHERE $full OR e.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s)
),

boundaries AS (
    SELECT
        *,
        row_number() OVER w AS customer_step,
        coalesce(at_us - lag(at_us) OVER w > $gap_seconds::BIGINT * 1000000, true)
            AS starts_session,
        coalesce(
            (case_id IS NULL AND at_us - lag(at_us) OVER w > $horizon_seconds::BIGINT * 1000000)
                OR is_start_touchpoint
                OR lag(is_end_touchpoint) OVER w,
            true
        ) AS starts_journey,
        coalesce(channel <> lag(channel) OVER w, false) AS channel_changed,
        coalesce(team <> lag(team) OVER w, false) AS team_changed
    FROM scoped
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
