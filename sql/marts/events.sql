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
with scoped as not materialized (
    select
        e.event_id,
        e.source,
        e.customer_key,
        e.case_id,
        e.occurred_at,
        e.seq,
        e.event_type,
        coalesce(e.touchpoint, e.event_type) as touchpoint,
        e.channel,
        e.team,
        e.system,
        coalesce(e.value, 0.0) as value,
        epoch_us(e.occurred_at) as at_us,
        e.case_id is null
        and list_contains($start_touchpoints::varchar[], coalesce(e.touchpoint, e.event_type))
            as is_start_touchpoint,
        e.case_id is null
        and list_contains($end_touchpoints::varchar[], coalesce(e.touchpoint, e.event_type))
            as is_end_touchpoint,
        e.thread_id,
        -- occurred_at then seq as one positive number (timestamps are from 1900 on)
        (epoch_us(e.occurred_at) + 10000000000000000)::hugeint * 1000000000000000000 + e.seq
            as position
    from intermediate.int_events as e
    where $full or e.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
),

spans as (
    -- what holds a journey open, from its first to its last event in the ordering rule
    -- (position = occurred_at, then seq, as one number: seq < 10^18): each thread with two or
    -- more events; and each end touchpoint that is not one (a point, so that an end touchpoint
    -- inside another thread's span marks that span as ending the journey). One scan: events
    -- without a thread group alone (by seq).
    select
        customer_key,
        min(position) as first_at,
        max(position) as last_at,
        bool_or(is_end_touchpoint) as has_end
    from scoped
    where thread_id is not null or is_end_touchpoint
    group by customer_key, source, thread_id, case when thread_id is null then seq end
    having count(*) > 1 or bool_or(is_end_touchpoint)
),

merged as (
    -- overlapping spans of a customer merge into one block (a span starting after every
    -- earlier span has ended starts a new block)
    select
        customer_key,
        first_at,
        last_at,
        has_end,
        sum(starts_block::integer) over (
            partition by customer_key order by first_at, last_at rows unbounded preceding
        ) as block_no
    from (
        select
            *,
            coalesce(first_at > max(last_at) over (
                partition by customer_key order by first_at, last_at
                rows between unbounded preceding and 1 preceding
            ), true) as starts_block
        from spans
    ) as flagged
),

blocks as (
    select
        min(first_at) as first_at,
        max(last_at) as last_at,
        bool_or(has_end) as has_end
    from merged
    group by customer_key, block_no
),

marks as (
    -- per event at a block's edge: opens (+1 on its first event) / closes (-1 on its last)
    -- the block, and whether a journey ends after it (the block holds an end touchpoint)
    select
        (first_at % 1000000000000000000)::bigint as seq,
        1 as open_delta,
        false as ends_journey
    from blocks
    where first_at < last_at
    union all
    select
        (last_at % 1000000000000000000)::bigint,
        case when first_at < last_at then -1 else 0 end,
        has_end
    from blocks
),

marked as (
    select
        e.* exclude (thread_id, is_end_touchpoint, position),  -- not carried through the sorts
        coalesce(m.open_delta, 0) as open_delta,
        coalesce(m.ends_journey, false) as ends_journey
    from scoped as e
    left join marks as m on e.seq = m.seq
),

boundaries as (
    select
        *,
        row_number() over w as customer_step,
        coalesce(at_us - lag(at_us) over w > $gap_seconds::bigint * 1000000, true)
            as starts_session,
        lag(seq) over w is null  -- the first event of a customer or case
        or (
            case_id is null
            -- not inside a block: the blocks opened before this event are all closed
            and sum(open_delta) over w - open_delta = 0
            and (
                at_us - lag(at_us) over w > $horizon_seconds::bigint * 1000000
                or is_start_touchpoint
                or lag(ends_journey) over w
            )
        )
            as starts_journey,
        coalesce(channel <> lag(channel) over w, false) as channel_changed,
        coalesce(team <> lag(team) over w, false) as team_changed
    from marked
    window w as (partition by customer_key, case_id order by occurred_at, seq)
),

numbered as (
    select
        *,
        sum(starts_session::integer) over w as session_no,
        sum(starts_journey::integer) over w as journey_no,
        max(case when starts_journey then customer_step end) over w as journey_first_step,
        lead(touchpoint) over w as lead_touchpoint,
        lead(at_us) over w as lead_at_us,
        lead(starts_journey) over w as lead_starts_journey
    from boundaries
    window w as (
        partition by customer_key, case_id order by occurred_at, seq rows unbounded preceding
    )
)

select
    event_id,
    source,
    customer_key,
    coalesce(case_id, customer_key || '-j' || journey_no) as journey_id,
    coalesce(case_id, customer_key) || '-s' || session_no as session_id,
    occurred_at,
    seq,
    customer_step - journey_first_step + 1 as step_index,
    touchpoint,
    channel,
    team,
    system,
    value,
    event_type,
    case_id,
    case when not lead_starts_journey then lead_touchpoint end as next_touchpoint,
    case when not lead_starts_journey then (lead_at_us - at_us) / 1e6 end as seconds_to_next,
    channel_changed and not starts_journey as is_channel_switch,
    team_changed and not starts_journey as is_team_handoff
from numbered
