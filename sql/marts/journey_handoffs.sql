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
with stream as (
    -- every event with the one before it, read in marts.events' own order (customer, case, the
    -- ordering rule: the order marts/events.sql wrote it in) by streaming windows, which keep
    -- it. A handoff never starts a journey, so the event before it is its journey's previous
    -- step: no join of every event with the handoffs (a 500,000-event lane's statement
    -- 0.32 -> 0.2 s). The customers in scope are picked after the windows, which must see the
    -- rows in the table's order.
    select
        e.journey_id,
        e.customer_key,
        e.step_index,
        e.occurred_at,
        e.touchpoint,
        e.team as to_team,
        e.seq,
        e.case_id,
        e.is_team_handoff,
        lag(e.journey_id) over () as from_journey,
        lag(e.step_index) over () as from_step,
        lag(e.touchpoint) over () as from_touchpoint,
        lag(e.team) over () as from_team,
        lag(e.seconds_to_next) over () as wait_seconds,
        lag(e.seq) over () as from_seq
    from marts.events as e
),

ordered_handoffs as (
    -- the handoffs, still in that order (a filter keeps it). is_bounce: the journey's handoff
    -- before this one went from this handoff's receiving team to its giving team.
    select
        * exclude (is_team_handoff, from_journey, from_step, from_seq),
        -- the order is guarded: an event read out of its order stops the build, never a
        -- handoff measured from another event
        case
            when from_journey = journey_id and from_step = step_index - 1 then from_seq
            else error('marts.events is not in its order; rebuild with `journeys build --full`')
        end as from_seq,
        coalesce(
            lag(journey_id) over () = journey_id
            and lag(to_team) over () = from_team
            and lag(from_team) over () = to_team,
            false
        ) as is_bounce
    from stream
    where is_team_handoff
),

placed as materialized (
    -- materialized, and its seqs listed below with UNION ALL (the semi join needs no distinct
    -- list): a 5M-event lane's statement 3.1 -> 2.4 thread-seconds, the same rows
    select *
    from ordered_handoffs
    where $full or customer_key in (select s.customer_key from intermediate.int_path_scope as s)
),

handoffs as (
    select
        journey_id,
        step_index
    from placed
),

threads as (
    -- the order or ticket of the events on either side of a handoff
    select
        seq,
        source || ':' || thread_id as thread
    from intermediate.int_events
    where
        thread_id is not null
        and seq in (
            select seq from placed
            union all
            select from_seq from placed
        )
),

followed as (
    -- each repeat contact or reopening, with the last handoff at or before it in its journey
    select
        h.journey_id,
        h.step_index,
        count(*) filter (where c.is_repeat_contact) as repeat_contacts,
        count(*) filter (where c.is_reopen) as reopens
    from intermediate.int_effort_events as c
    asof join handoffs as h on c.journey_id = h.journey_id and c.step_index >= h.step_index
    where c.is_repeat_contact or c.is_reopen
    group by h.journey_id, h.step_index
),

measured as (
    select
        p.*,
        -- an imported case is the journey itself: both events are in it
        coalesce(t.thread = f.thread, false) or p.case_id is not null as same_thread,
        coalesce(a.repeat_contacts, 0) as repeat_contacts,
        coalesce(a.reopens, 0) as reopens
    from placed as p
    left join followed as a on p.journey_id = a.journey_id and p.step_index = a.step_index
    left join threads as t on p.seq = t.seq
    left join threads as f on p.from_seq = f.seq
),

with_sla as (
    select
        m.*,
        coalesce(
            s.sla_seconds, case when m.same_thread then $handoff_sla_seconds::bigint end
        ) as sla_seconds
    from measured as m
    left join intermediate.int_handoff_slas as s
        on m.from_touchpoint = s.from_touchpoint and m.touchpoint = s.to_touchpoint
)

select
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
    coalesce(wait_seconds > sla_seconds, false) as is_late,
    repeat_contacts,
    reopens,
    coalesce(wait_seconds > sla_seconds, false) or repeat_contacts > 0 or reopens > 0 as is_missed,
    is_bounce
from with_sla
