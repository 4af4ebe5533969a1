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
with handoffs as (
    select
        e.journey_id,
        e.customer_key,
        e.step_index,
        e.occurred_at,
        e.touchpoint,
        e.team as to_team,
        e.seq,
        e.case_id
    from marts.events as e
    where
        e.is_team_handoff
        and (
            $full or e.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
        )
),

placed as materialized (
    -- materialized, and its seqs listed below with UNION ALL (the semi join needs no distinct
    -- list): a 5M-event lane's statement 3.1 -> 2.4 thread-seconds, the same rows
    select
        h.*,
        p.touchpoint as from_touchpoint,
        p.team as from_team,
        p.seconds_to_next as wait_seconds,
        p.seq as from_seq
    from handoffs as h
    inner join marts.events as p on h.journey_id = p.journey_id and p.step_index = h.step_index - 1
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
    coalesce(
        lag(to_team) over journey = from_team and lag(from_team) over journey = to_team, false
    ) as is_bounce
from with_sla
window journey as (partition by journey_id order by step_index)
