-- grain: one row, the headline figures of the map $map_name from marts.map_journeys: journeys
-- and customers in its scope, how many follow it exactly, how many are finished for the map
-- (status not in_flight) and how many of those reached its outcome, and the map's version.
select
    count(*) as journeys,
    count(distinct j.customer_key) as customers,
    count(*) filter (where j.is_conforming) as conforming,
    count(*) filter (where j.status <> 'in_flight') as finished,
    count(*) filter (where j.status <> 'in_flight' and j.reached_outcome) as reached_outcome,
    min(j.map_version) as map_version
from marts.map_journeys as j
where j.map_name = $map_name
