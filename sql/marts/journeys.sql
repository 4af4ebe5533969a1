-- grain: one row per journey (see marts/events.sql for how events are cut into journeys).
--
-- path: the touchpoints in step order. variant_id: the first 16 hex of md5 of the path joined by
-- chr(31) (ASCII unit separator, which touchpoint names do not contain); the same id as
-- marts.variants and journeys.paths.journeys.variant_id_of() in Python.
-- n_channel_switches / n_team_handoffs: consecutive steps whose known channel / team differ.
-- n_systems / n_channels / n_teams: how many distinct known systems / channels / teams its
-- steps have.
-- status is filled by marts/updates/journeys_status.sql (it depends on the moving cut-off);
-- n_contacts, n_repeat_contacts, n_missed_handoffs and waiting_seconds by
-- marts/updates/journeys_effort.sql from marts.journey_effort (see marts/journey_effort.sql).
with steps as not materialized (
    -- read twice (dims, journeys): materialized, its wide rows cost more than the statement
    select *
    from marts.events
    where ($full or customer_key in (select s.customer_key from intermediate.int_path_scope as s))
    -- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...),
    -- so the per-journey lists never have to fit in memory at once (one part: no hash per row)
    and ($parts = 1 or hash(customer_key) % $parts = $part)
),

dims as (
    -- the part's distinct known values (NULL: more than a 64-bit mask holds). A journey's
    -- distinct values are counted as bits (each value of the part a bit, a journey's bits or-ed):
    -- three count(distinct) kept a hash table of (journey, value) each, a quarter of the
    -- statement (3.7 -> 2.8 s for 5M events on one thread). A part with more than 64 leaves
    -- that count NULL here, and marts/updates/journeys_distinct.sql counts it with
    -- count(distinct).
    select
        case when len(systems) <= 64 then systems end as systems,
        case when len(channels) <= 64 then channels end as channels,
        case when len(teams) <= 64 then teams end as teams
    from (
        select
            coalesce(list(distinct system) filter (where system is not null), []) as systems,
            coalesce(list(distinct channel) filter (where channel is not null), []) as channels,
            coalesce(list(distinct team) filter (where team is not null), []) as teams
        from steps
    ) as listed
),

journeys as (
    select
        journey_id,
        any_value(customer_key) as customer_key,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as n_steps,
        -- in the order read, with the steps' numbers to check it (see `ordered`): an ordered
        -- aggregate sorts each journey's rows again (1.9 -> 1.1 s for 5M events on one thread).
        -- Joined as text (by chr(31), as variant_id joins them), not listed: a list aggregate
        -- per journey was a third of the statement (the two 1.75 -> 1.15 s for 5M events on
        -- one thread); the path is split again per journey. A touchpoint holding chr(31), or
        -- none, would not split back: such a journey's path is left to the ordered aggregates.
        string_agg(touchpoint, chr(31)) as listed_path,
        string_agg(step_index::varchar, ',') as listed_steps,
        bool_or(coalesce(contains(touchpoint, chr(31)), true)) as unsplittable,
        count(*) filter (where is_channel_switch) as n_channel_switches,
        count(*) filter (where is_team_handoff) as n_team_handoffs,
        -- a value's bit: 1 << (its place in the part's list - 1), in 64 bits (ubigint << ubigint;
        -- with a bigint shift DuckDB widens to hugeint); NULL values have none
        coalesce(bit_count(
            bit_or(1::ubigint << (list_position(d.systems, system) - 1)::ubigint)
        ), 0)::bigint as n_systems,
        coalesce(bit_count(
            bit_or(1::ubigint << (list_position(d.channels, channel) - 1)::ubigint)
        ), 0)::bigint as n_channels,
        coalesce(bit_count(
            bit_or(1::ubigint << (list_position(d.teams, team) - 1)::ubigint)
        ), 0)::bigint as n_teams,
        -- summed in step order (reproducible float sums, see `ordered`); only the steps with a
        -- value (the orders' and refunds'): adding 0.0 changes no sum
        coalesce(list_sum(list(value) filter (where value <> 0)), 0.0) as listed_value,
        bool_or(case_id is not null) as is_case
    from steps, dims as d
    group by journey_id
),

ordered as (
    -- marts.events holds each journey's events in step order and an aggregate on one thread
    -- keeps it, so the steps joined are the path in step order: when their step numbers are 1,
    -- 2, ..., n (one aggregate's joins and lists are all in one order). Otherwise path and value
    -- are left NULL here (a journey always has a path) and marts/updates/journeys_path.sql
    -- computes them with ordered aggregates.
    select
        * exclude (listed_path, listed_steps, listed_value, unsplittable, in_order),
        case when in_order then listed_path end as joined_path,
        case when in_order then string_split(listed_path, chr(31)) end as path,
        case when in_order then listed_value end as value
    from (
        select
            *,
            listed_steps = array_to_string(range(1, n_steps + 1), ',') and not unsplittable
                as in_order
        from journeys
    ) as checked
)

select
    j.journey_id,
    j.customer_key,
    j.started_at,
    j.ended_at,
    j.n_steps,
    left(md5(j.joined_path), 16) as variant_id,
    j.path,
    null::varchar as status,
    j.n_channel_switches,
    j.n_team_handoffs,
    case when d.systems is not null then j.n_systems end as n_systems,
    j.value,
    p.segment,
    (epoch_us(j.ended_at) - epoch_us(j.started_at)) / 1e6 as duration_seconds,
    j.path[1] as first_touchpoint,
    j.path[-1] as last_touchpoint,
    case when d.channels is not null then j.n_channels end as n_channels,
    j.is_case,
    case when d.teams is not null then j.n_teams end as n_teams,
    null::bigint as n_contacts,
    null::bigint as n_repeat_contacts,
    null::bigint as n_missed_handoffs,
    null::double as waiting_seconds
from ordered as j
cross join dims as d  -- NULL counts: more than 64 values (marts/updates/journeys_distinct.sql)
left join intermediate.int_customer_profiles as p on j.customer_key = p.customer_key
