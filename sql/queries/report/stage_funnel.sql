-- grain: one stage of the map $map_name, in the map's order: the funnel by stage.
-- $steps: the map's steps; $stage_index: each step's stage (1 = the first stage), so
-- alternatives of one stage count once. From the events of marts.events on map steps of the
-- journeys in the map's scope (marts.map_journeys), in step order:
-- reached: journeys with a step of the stage; share: of the journeys in scope (never above 1);
-- came_from_previous: journeys that reached the previous stage, moved_on: of those, the ones
-- with a step of this stage after their first step of the previous one (conversion =
-- moved_on / came_from_previous); median_seconds: from that first step of the previous stage
-- to their next step of this stage.
with stages as (
    select
        unnest($steps::varchar[]) as step,
        unnest($stage_index::bigint[]) as stage_index
),

scope as (
    select count(*) as journeys
    from marts.map_journeys as j
    where j.map_name = $map_name
),

events as (
    select
        e.journey_id,
        s.stage_index,
        e.step_index,
        e.occurred_at
    from marts.events as e
    inner join marts.map_journeys as j
        on e.journey_id = j.journey_id and j.map_name = $map_name
    inner join stages as s on e.touchpoint = s.step
),

firsts as (
    select
        journey_id,
        stage_index,
        min(step_index) as step_index,
        arg_min(occurred_at, step_index) as occurred_at
    from events
    group by journey_id, stage_index
),

moves as (
    select
        f.journey_id,
        f.stage_index + 1 as stage_index,
        min(e.step_index) is not null as moved_on,
        (epoch_ms(arg_min(e.occurred_at, e.step_index)) - epoch_ms(f.occurred_at)) / 1000.0
            as seconds
    from firsts as f
    left join events as e
        on
            f.journey_id = e.journey_id
            and e.stage_index = f.stage_index + 1
            and f.step_index < e.step_index
    group by f.journey_id, f.stage_index, f.occurred_at
),

reached as (
    select
        stage_index,
        count(*) as reached
    from firsts
    group by stage_index
),

moved as (
    select
        stage_index,
        count(*) as came_from_previous,
        count(*) filter (where moved_on) as moved_on,
        median(seconds) as median_seconds
    from moves
    group by stage_index
)

select
    i as stage_index,
    coalesce(r.reached, 0) as reached,
    coalesce(r.reached, 0) / nullif(any_value(sc.journeys), 0) as share,
    case when i > 1 then coalesce(m.came_from_previous, 0) end as came_from_previous,
    case when i > 1 then coalesce(m.moved_on, 0) end as moved_on,
    case when i > 1 then m.median_seconds end as median_seconds
from (select distinct stage_index as i from stages) as st
cross join scope as sc
left join reached as r on st.i = r.stage_index
left join moved as m on st.i = m.stage_index
group by i, r.reached, m.came_from_previous, m.moved_on, m.median_seconds
order by i
