-- grain: one row per event of a session that lasts longer than $max_seconds, with the id of
-- the shorter session it moves to (events of the session's first part keep their id).
--
-- The cut is greedy, in the ordering rule's order: a session starts at its first event; the
-- first event more than $max_seconds after that start (strictly greater) starts the next part,
-- and so on. A part therefore never lasts more than $max_seconds. Parts 2, 3, ... get the id
-- '<session_id>.<part>'. Only the start times matter, so the recursion walks one start time per
-- part (a few steps), not one event at a time.
WITH RECURSIVE scoped AS (
    SELECT e.seq, e.session_id, epoch_us(e.occurred_at) AS at_us
    FROM marts.events AS e
    WHERE $full OR e.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s)
),

long_sessions AS (
    SELECT session_id, min(at_us) AS start_us
    FROM scoped
    GROUP BY session_id
    HAVING max(at_us) - min(at_us) > $max_seconds::BIGINT * 1000000
),

long_events AS (
    SELECT e.seq, e.session_id, e.at_us
    FROM scoped AS e
    SEMI JOIN long_sessions AS l ON e.session_id = l.session_id
),

instants AS (
    -- reach_us: "more than $max_seconds" in whole microseconds, the window frame's offset
    SELECT DISTINCT session_id, at_us, $max_seconds::BIGINT * 1000000 + 1 AS reach_us
    FROM long_events
),

next_starts AS (
    -- for each instant, the first instant more than $max_seconds later: where the next part
    -- would start if a part started at this instant (timestamps are whole microseconds)
    SELECT
        session_id,
        at_us,
        min(at_us) OVER (
            PARTITION BY session_id ORDER BY at_us
            RANGE BETWEEN reach_us FOLLOWING AND UNBOUNDED FOLLOWING
        ) AS next_us
    FROM instants
),

parts AS (
    SELECT session_id, start_us, 1 AS part
    FROM long_sessions
    UNION ALL
    SELECT p.session_id, n.next_us, p.part + 1
    FROM parts AS p
    JOIN next_starts AS n ON n.session_id = p.session_id AND n.at_us = p.start_us
    WHERE n.next_us IS NOT NULL
),

bounded AS (
    SELECT
        session_id,
        part,
        start_us,
        coalesce(lead(start_us) OVER (PARTITION BY session_id ORDER BY part), 9223372036854775807)
            AS end_us
    FROM parts
)

SELECT e.seq, e.session_id || '.' || p.part AS session_id
FROM long_events AS e
JOIN bounded AS p ON e.session_id = p.session_id AND e.at_us >= p.start_us AND e.at_us < p.end_us
WHERE p.part > 1
