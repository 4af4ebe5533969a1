-- grain: one row per journey (see marts/events.sql for how events are cut into journeys).
--
-- path: the touchpoints in step order. variant_id: the first 16 hex of md5 of the path joined by
-- chr(31) (ASCII unit separator, which touchpoint names do not contain); the same id as
-- marts.variants and journeys.paths.journeys.variant_id_of() in Python.
-- n_channel_switches / n_team_handoffs: consecutive steps whose known channel / team differ.
-- status is filled by marts/updates/journeys_status.sql (it depends on the moving cut-off);
-- n_contacts, n_repeat_contacts, n_missed_handoffs and waiting_seconds by
-- marts/updates/journeys_effort.sql from marts.journey_effort (see marts/journey_effort.sql).
with steps as (
    select *
    from marts.events
    where ($full or customer_key in (select s.customer_key from intermediate.int_path_scope as s))
    -- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...),
    -- so the per-journey lists never have to fit in memory at once (one part: no hash per row)
    and ($parts = 1 or hash(customer_key) % $parts = $part)
),

journeys as (
    select
        journey_id,
        any_value(customer_key) as customer_key,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as n_steps,
        list(touchpoint order by step_index) as path,
        count(*) filter (where is_channel_switch) as n_channel_switches,
        count(*) filter (where is_team_handoff) as n_team_handoffs,
        count(distinct system) as n_systems,
        count(distinct channel) as n_channels,
        count(distinct team) as n_teams,
        -- fixed order: reproducible float sums; only the steps with a value (the orders' and
        -- refunds'): adding 0.0 changes no sum, and most steps have none to sort
        coalesce(sum(value order by step_index) filter (where value <> 0), 0.0) as value,
        bool_or(case_id is not null) as is_case
    from steps
    group by journey_id
)

select
    j.journey_id,
    j.customer_key,
    j.started_at,
    j.ended_at,
    j.n_steps,
    left(md5(array_to_string(j.path, chr(31))), 16) as variant_id,
    j.path,
    null::varchar as status,
    j.n_channel_switches,
    j.n_team_handoffs,
    j.n_systems,
    j.value,
    p.segment,
    (epoch_us(j.ended_at) - epoch_us(j.started_at)) / 1e6 as duration_seconds,
    j.path[1] as first_touchpoint,
    j.path[-1] as last_touchpoint,
    j.n_channels,
    j.is_case,
    j.n_teams,
    null::bigint as n_contacts,
    null::bigint as n_repeat_contacts,
    null::bigint as n_missed_handoffs,
    null::double as waiting_seconds
from journeys as j
left join intermediate.int_customer_profiles as p on j.customer_key = p.customer_key
