-- grain: one row per session (a customer's run of events without an inactivity gap longer than
-- sessions.gap_seconds, cut at sessions.max_seconds; see marts/events.sql).
-- channels: the distinct non-null channels of the session, sorted (NULL when it has none).
-- Most sessions stay on one channel (its least and greatest are the same): only the others
-- list their distinct channels, which spares grouping every event by session and channel.
with steps as not materialized (
    -- read twice (sessions, mixed): scanning marts.events again is cheaper than DuckDB writing
    -- every event's four columns aside first (3.8 -> 3.3 CPU-s at 10M events)
    select
        session_id,
        customer_key,
        occurred_at,
        channel
    from marts.events
    where ($full or customer_key in (select s.customer_key from intermediate.int_path_scope as s))
    -- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...; one part: no
    -- hash per row)
    and ($parts = 1 or hash(customer_key) % $parts = $part)
),

sessions as (
    select
        session_id,
        any_value(customer_key) as customer_key,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as n_events,
        min(channel) as first_channel,
        max(channel) as last_channel
    from steps
    group by session_id
),

mixed as (
    -- the few sessions on more than one channel: their channels listed
    select
        session_id,
        list_sort(list(distinct channel) filter (where channel is not null)) as channels
    from steps
    where
        session_id in (
            select s.session_id from sessions as s
            where s.first_channel <> s.last_channel
        )
    group by session_id
)

select
    s.session_id,
    s.customer_key,
    s.started_at,
    s.ended_at,
    s.n_events,
    case
        when s.first_channel = s.last_channel then [s.first_channel]
        else m.channels
    end as channels,
    (epoch_us(s.ended_at) - epoch_us(s.started_at)) / 1e6 as duration_seconds
from sessions as s
left join mixed as m on s.session_id = m.session_id
