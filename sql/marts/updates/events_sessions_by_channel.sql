-- split_by_channel: re-numbers the sessions of the events in scope per (customer, channel), with
-- the same rule as marts/events.sql (a gap STRICTLY greater than $gap_seconds starts a session;
-- ordering rule: occurred_at, then seq). Ids: '<customer or case>-<channel>-s<n>'.
update marts.events as e
set session_id = s.session_id
from (
    select
        seq,
        coalesce(case_id, customer_key) || '-' || coalesce(channel, '(none)') || '-s'
        || sum(starts::integer) over (
            partition by customer_key, case_id, channel order by occurred_at, seq
            rows unbounded preceding
        ) as session_id
    from (
        select
            seq,
            customer_key,
            case_id,
            channel,
            occurred_at,
            coalesce(
                epoch_us(occurred_at) - lag(epoch_us(occurred_at)) over (
                    partition by customer_key, case_id, channel order by occurred_at, seq
                ) > $gap_seconds::bigint * 1000000,
                true
            ) as starts
        from marts.events
        where
            $full
            or customer_key in (select p.customer_key from intermediate.int_path_scope as p)
    ) as timed
) as s
where e.seq = s.seq
