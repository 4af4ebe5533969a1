-- grain: one row per event of a session that lasts longer than $max_seconds, with the id of
-- the shorter session it moves to (events of the session's first part keep their id).
--
-- The cut is greedy, in the ordering rule's order: a session starts at its first event; the
-- first event more than $max_seconds after that start (strictly greater) starts the next part,
-- and so on. A part therefore never lasts more than $max_seconds. Parts 2, 3, ... get the id
-- '<session_id>.<part>'. Only the start times matter, so the recursion walks one start time per
-- part (a few steps), not one event at a time.
with recursive scoped as not materialized (
    -- read twice (long_sessions, long_events): scanning marts.events again is cheaper than
    -- DuckDB writing every event's columns aside first (1.4 -> 0.9 CPU-s at 10M events)
    select
        e.seq,
        e.session_id,
        epoch_us(e.occurred_at) as at_us
    from marts.events as e
    where $full or e.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
),

long_sessions as (
    select
        session_id,
        min(at_us) as start_us
    from scoped
    group by session_id
    having max(at_us) - min(at_us) > $max_seconds::bigint * 1000000
),

long_events as (
    select
        e.seq,
        e.session_id,
        e.at_us
    from scoped as e
    semi join long_sessions as l on e.session_id = l.session_id
),

instants as (
    -- reach_us: "more than $max_seconds" in whole microseconds, the window frame's offset
    select distinct
        session_id,
        at_us,
        $max_seconds::bigint * 1000000 + 1 as reach_us
    from long_events
),

next_starts as (
    -- for each instant, the first instant more than $max_seconds later: where the next part
    -- would start if a part started at this instant (timestamps are whole microseconds)
    select
        session_id,
        at_us,
        min(at_us) over (
            partition by session_id order by at_us
            range between reach_us following and unbounded following
        ) as next_us
    from instants
),

parts as (
    select
        session_id,
        start_us,
        1 as part
    from long_sessions
    union all
    select
        p.session_id,
        n.next_us,
        p.part + 1
    from parts as p
    inner join next_starts as n on p.session_id = n.session_id and p.start_us = n.at_us
    where n.next_us is not null
),

bounded as (
    select
        session_id,
        part,
        start_us,
        coalesce(lead(start_us) over (partition by session_id order by part), 9223372036854775807)
            as end_us
    from parts
)

select
    e.seq,
    e.session_id || '.' || p.part as session_id
from long_events as e
inner join
    bounded as p
    on e.session_id = p.session_id and e.at_us >= p.start_us and e.at_us < p.end_us
where p.part > 1
