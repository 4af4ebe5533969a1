-- grain: one event of the example journeys $ids of the map $map_name (marts.events), in step
-- order, drawn as timelines: touchpoint, channel, team, system, when, the wait since the
-- previous event, and in_scope (false: a touchpoint the map ignores, not on the journey's
-- path in marts.map_journeys).
select
    e.journey_id,
    e.step_index,
    e.touchpoint,
    e.channel,
    e.team,
    e.system,
    e.occurred_at,
    (epoch_ms(e.occurred_at) - epoch_ms(lag(e.occurred_at) over w)) / 1000.0 as wait_seconds,
    list_contains(j.path, e.touchpoint) as in_scope
from marts.events as e
inner join marts.map_journeys as j
    on e.journey_id = j.journey_id and j.map_name = $map_name
where e.journey_id in (select unnest($ids::varchar[]))
window w as (partition by e.journey_id order by e.step_index)
order by e.journey_id, e.step_index
