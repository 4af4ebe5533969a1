-- grain: one designed step of the map $map_name (marts.map_steps as compare wrote it), in the
-- map's file order: the steps listed under each stage of the funnel.
select
    s.step,
    s.stage,
    s.position,
    s.journeys_reached,
    s.conversion_from_previous,
    s.median_seconds_from_previous,
    s.sla_breaches
from marts.map_steps as s
where s.map_name = $map_name
order by s.position
