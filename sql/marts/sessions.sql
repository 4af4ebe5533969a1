-- grain: one row per session (a customer's run of events without an inactivity gap longer than
-- sessions.gap_seconds, cut at sessions.max_seconds; see marts/events.sql).
-- channels: the distinct non-null channels of the session, sorted.
select
    session_id,
    any_value(customer_key) as customer_key,
    min(occurred_at) as started_at,
    max(occurred_at) as ended_at,
    count(*) as n_events,
    list_sort(list(distinct channel) filter (where channel is not null)) as channels,
    (epoch_us(max(occurred_at)) - epoch_us(min(occurred_at))) / 1e6 as duration_seconds
from marts.events
where ($full or customer_key in (select s.customer_key from intermediate.int_path_scope as s))
-- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...; one part: no
-- hash per row)
and ($parts = 1 or hash(customer_key) % $parts = $part)
group by session_id
