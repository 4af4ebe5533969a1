-- grain: one row per session (a customer's run of events without an inactivity gap longer than
-- sessions.gap_seconds, cut at sessions.max_seconds; see marts/events.sql).
-- channels: the distinct non-null channels of the session, sorted (NULL when it has none).
-- Most sessions stay on one channel (its least and greatest are the same). The others' channels
-- are taken as bits, as marts/journeys.sql counts a journey's: each channel of the part a bit,
-- a session's bits or-ed, and read back in the part's sorted list of channels. That spares
-- grouping their events by session and channel (a 5M-event lane's statement 1.7 -> 1.1 s on
-- one thread). A part of more than 64 channels lists them per session and channel (`mixed`).
with steps as not materialized (
    -- read twice (dims, sessions; mixed only past 64 channels): scanning marts.events again is
    -- cheaper than DuckDB writing every event's four columns aside first (3.8 -> 3.3 CPU-s at
    -- 10M events)
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

dims as (
    -- the part's channels, sorted (NULL: more than a 64-bit mask holds)
    select case when len(channels) <= 64 then channels end as channels
    from (
        select list_sort(list(distinct channel) filter (where channel is not null)) as channels
        from steps
    ) as listed
),

sessions as (
    select
        session_id,
        any_value(customer_key) as customer_key,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as n_events,
        min(channel) as first_channel,
        max(channel) as last_channel,
        -- a channel's bit: 1 << (its place in the part's list - 1), in 64 bits (ubigint << ubigint)
        bit_or(1::ubigint << (list_position(d.channels, channel) - 1)::ubigint) as channel_bits
    from steps, dims as d
    group by session_id
),

mixed as (
    -- a part of more than 64 channels: the sessions on more than one channel, listed
    select
        session_id,
        list_sort(list(distinct channel) filter (where channel is not null)) as channels
    from steps
    where
        (select d.channels from dims as d) is null
        and session_id in (
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
        when s.first_channel is null then null  -- no channel known
        when d.channels is not null
            then list_filter(
                d.channels,
                lambda c: (s.channel_bits >> (list_position(d.channels, c) - 1)::ubigint) & 1 = 1
            )
        else m.channels
    end as channels,
    (epoch_us(s.ended_at) - epoch_us(s.started_at)) / 1e6 as duration_seconds
from sessions as s
cross join dims as d  -- NULL channels: more than 64 in the part (`mixed`)
left join mixed as m on s.session_id = m.session_id
