-- grain: one row, the headline figures of the map $map_name from marts.map_journeys: journeys
-- and customers in its scope, how many follow it exactly, how many are finished for the map
-- (status not in_flight) and how many of those reached its outcome, and the map's version.
SELECT
    count(*) AS journeys,
    count(DISTINCT j.customer_key) AS customers,
    count(*) FILTER (WHERE j.is_conforming) AS conforming,
    count(*) FILTER (WHERE j.status <> 'in_flight') AS finished,
    count(*) FILTER (WHERE j.status <> 'in_flight' AND j.reached_outcome) AS reached_outcome,
    min(j.map_version) AS map_version
FROM marts.map_journeys AS j
WHERE j.map_name = $map_name
