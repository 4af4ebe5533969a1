-- grain: one row per accepted touchpoint event, with its journey, session and step.
--
-- Scope: every customer when $full, else the customers of intermediate.int_path_scope (an
-- incremental build deletes their rows and appends these).
-- Ordering rule: inside a customer (and, for imported logs, a case) events are ordered by
-- occurred_at, then seq (arrival order). The events are sorted once (customer, case, then that
-- order: `ordered`) and every step below reads them in that order with streaming windows
-- (`over ()`: no partition, no sort of their own), starting each customer or case anew where
-- first_in_group. Two windows partitioned by customer sorted the wide rows twice (a third of
-- the build at 10M events). The running counts are `count(*) filter (...)` and the values carried
-- forward `last_value(... ignore nulls)`: DuckDB's streaming window computes those in place,
-- where a running sum() or max() ran its generic aggregate for every row (5-9x slower; sum also
-- widened to HUGEINT).
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
            as is_start_touchpoint
    from intermediate.int_events as e
    where $full or e.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
),

threaded as not materialized (
    -- the same events, with what spans read, from intermediate.int_events_text: int_events
    -- with its texts as stored. (A partition job reads int_events' few-valued texts as ENUMs,
    -- for the sort and the file below; spans need none of them as ENUMs, and the cast of every
    -- row they read cost 0.6 s of a 5M-event lane.)
    select
        e.customer_key,
        e.source,
        e.thread_id,
        e.seq,
        e.case_id is null
        and list_contains($end_touchpoints::varchar[], coalesce(e.touchpoint, e.event_type))
            as is_end_touchpoint,
        -- occurred_at then seq as one positive number (timestamps are from 1900 on)
        (epoch_us(e.occurred_at) + 10000000000000000)::hugeint * 1000000000000000000 + e.seq
            as position
    from intermediate.int_events_text as e
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
    from threaded
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

ordered as (
    -- every event, sorted once: by customer, case, then the ordering rule (seq is unique, so
    -- the order is total); the streaming windows below keep it
    select
        e.*,
        coalesce(m.open_delta, 0) as open_delta,
        coalesce(m.ends_journey, false) as ends_journey
    from scoped as e
    left join marks as m on e.seq = m.seq
    order by e.customer_key, e.case_id, e.occurred_at, e.seq
),

lagged as (
    -- the previous event's values (of the same customer and case unless first_in_group), and
    -- the blocks opened before this event and not yet closed (every block closes inside its
    -- customer, so a sum over all earlier rows counts those of this customer only)
    select
        *,
        row_number() over () as rn,
        (lag(customer_key) over () is distinct from customer_key)
        or (lag(case_id) over () is distinct from case_id) as first_in_group,
        at_us - lag(at_us) over () as gap_us,
        lag(ends_journey) over () as lag_ends_journey,
        -- (open_delta is -1, 0 or 1: a seq is the edge of one block at most)
        count(*) filter (where open_delta = 1) over running
        - count(*) filter (where open_delta = -1) over running
        - open_delta as open_before,
        channel <> lag(channel) over () as channel_differs,
        team <> lag(team) over () as team_differs
    from ordered
    window running as (rows between unbounded preceding and current row)  -- noqa: PRS
),

boundaries as (
    select
        * exclude (gap_us, lag_ends_journey, open_before, channel_differs, team_differs),
        first_in_group or gap_us > $gap_seconds::bigint * 1000000 as starts_session,
        first_in_group
        or (
            case_id is null
            -- not inside a block: the blocks opened before this event are all closed
            and open_before = 0
            and (
                gap_us > $horizon_seconds::bigint * 1000000
                or is_start_touchpoint
                or lag_ends_journey
            )
        )
            as starts_journey,
        not first_in_group and coalesce(channel_differs, false) as channel_changed,
        not first_in_group and coalesce(team_differs, false) as team_changed
    from lagged
),

counted as (
    -- sessions and journeys started so far (over every earlier customer too), the row where
    -- the current journey started, and the next event's values (the next row is another
    -- customer's first event, which starts a journey, when this is a customer's last)
    select
        *,
        count(*) filter (where starts_session) over running as sessions_so_far,
        count(*) filter (where starts_journey) over running as journeys_so_far,
        last_value(case when starts_journey then rn end ignore nulls) over running
            as journey_first_rn,
        lead(touchpoint) over () as lead_touchpoint,
        lead(at_us) over () as lead_at_us,
        lead(starts_journey) over () as lead_starts_journey
    from boundaries
    window running as (rows between unbounded preceding and current row)  -- noqa: PRS
),

numbered as (
    -- the counts restarted at each customer (or case): 1, 2, ... inside it
    select
        *,
        sessions_so_far + 1
        - last_value(case when first_in_group then sessions_so_far end ignore nulls)
            over running as session_no,
        journeys_so_far + 1
        - last_value(case when first_in_group then journeys_so_far end ignore nulls)
            over running as journey_no
    from counted
    window running as (rows between unbounded preceding and current row)  -- noqa: PRS
)

select
    event_id,
    source,
    customer_key,
    -- concat builds each id once (|| built the customer's part twice: 0.2 s of 5M events);
    -- customer_key is never NULL, so no NULL is skipped
    coalesce(case_id, concat(customer_key, '-j', journey_no)) as journey_id,
    concat(coalesce(case_id, customer_key), '-s', session_no) as session_id,
    occurred_at,
    seq,
    rn - journey_first_rn + 1 as step_index,
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
