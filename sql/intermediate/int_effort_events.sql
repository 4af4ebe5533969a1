-- grain: one contact or reopening event of the customers in scope (every customer when $full,
-- else those of intermediate.int_path_scope), with its thread, topic and whether it repeats an
-- earlier contact. The input of marts.journey_handoffs and marts.journey_effort.
--
-- contact: a touchpoint in $contact_touchpoints; with none configured, a support event of type
--          `contact`. reopen: a touchpoint in $reopen_touchpoints; with none configured, a
--          support event of type `ticket_reopened`.
-- thread:  the event's thread, its source and intermediate.int_events.thread_id (the order or
--          the ticket, `support:<ticket_id>`: the thread a journey never splits), else the
--          imported case (`c:<case_id>`).
-- topic:   the support category (billing, delivery, ...); NULL for other sources.
-- is_repeat_contact: a contact whose customer's previous contact on the same thread, or on the
--          same topic, is at most $repeat_window_seconds before it (ordering rule: occurred_at,
--          then seq). Customer-wide, across journeys: calling again about the same order a week
--          later still repeats the first call.
with scoped as (
    select
        e.journey_id,
        e.customer_key,
        e.step_index,
        e.occurred_at,
        e.seq,
        e.touchpoint,
        e.source,
        e.case_id,
        case
            when len($contact_touchpoints::varchar[]) > 0
                then list_contains($contact_touchpoints::varchar[], e.touchpoint)
            else e.source = 'support' and e.event_type = 'contact'
        end as is_contact,
        case
            when len($reopen_touchpoints::varchar[]) > 0
                then list_contains($reopen_touchpoints::varchar[], e.touchpoint)
            else e.source = 'support' and e.event_type = 'ticket_reopened'
        end as is_reopen
    from marts.events as e
    where $full or e.customer_key in (select p.customer_key from intermediate.int_path_scope as p)
),

kept as (
    select
        k.* exclude (source, case_id),
        epoch_us(k.occurred_at) as at_us,
        coalesce(i.source || ':' || i.thread_id, 'c:' || k.case_id) as thread,
        i.topic
    from scoped as k
    left join intermediate.int_events as i on k.seq = i.seq
    where k.is_contact or k.is_reopen
),

contacts as (
    select
        *,
        case when thread is not null then at_us - lag(at_us) over by_thread end as us_since_thread,
        case when topic is not null then at_us - lag(at_us) over by_topic end as us_since_topic
    from kept
    where is_contact
    window
        by_thread as (partition by customer_key, thread order by occurred_at, seq),
        by_topic as (partition by customer_key, topic order by occurred_at, seq)
)

select
    journey_id,
    customer_key,
    step_index,
    occurred_at,
    seq,
    touchpoint,
    thread,
    topic,
    true as is_contact,
    is_reopen,
    coalesce(
        least(us_since_thread, us_since_topic) <= $repeat_window_seconds::bigint * 1000000, false
    ) as is_repeat_contact,
    least(us_since_thread, us_since_topic) / 1e6 as seconds_since_previous
from contacts
union all
select
    journey_id,
    customer_key,
    step_index,
    occurred_at,
    seq,
    touchpoint,
    thread,
    topic,
    false,
    true,
    false,
    null
from kept
where is_reopen and not is_contact
