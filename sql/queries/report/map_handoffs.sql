-- grain: one (from_team, to_team) pair of the handoffs in the journeys of the map $map_name's
-- scope (marts.map_journeys), leaving out handoffs from or to a touchpoint the map ignores (one
-- missing from the journey's path, which is the path after the map's `ignore:`): the handoffs
-- the map is about. Most missed first.
select
    h.from_team,
    h.to_team,
    count(*) as handoffs,
    count(*) filter (where h.is_missed) as missed,
    count(*) filter (where h.is_late) as late,
    count(*) filter (where h.repeat_contacts > 0) as repeated,
    count(*) filter (where h.reopens > 0) as reopened,
    count(*) filter (where h.is_bounce) as bounced,
    median(h.wait_seconds) as median_wait_seconds,
    min(h.sla_seconds) as sla_seconds
from marts.journey_handoffs as h
inner join marts.map_journeys as j on h.journey_id = j.journey_id
where
    j.map_name = $map_name
    and list_contains(j.path, h.touchpoint)
    and list_contains(j.path, h.from_touchpoint)
group by h.from_team, h.to_team
order by missed desc, handoffs desc, h.from_team asc, h.to_team asc
