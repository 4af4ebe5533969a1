-- grain: one row: the effort of the journeys in the map $map_name's scope (marts.map_journeys),
-- from marts.journey_effort.
select
    count(*) as journeys,
    avg(e.teams) as teams_per_journey,
    sum(e.contacts) as contacts,
    sum(e.repeat_contacts) as repeat_contacts,
    count(*) filter (where e.contacts > 0) as journeys_with_contact,
    count(*) filter (where e.repeat_contacts > 0) as journeys_with_repeat
from marts.map_journeys as j
inner join marts.journey_effort as e on j.journey_id = e.journey_id
where j.map_name = $map_name
