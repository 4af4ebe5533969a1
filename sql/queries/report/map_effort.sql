-- grain: one row: the effort of the journeys in the map $map_name's scope (marts.map_journeys),
-- from marts.journey_effort.
SELECT
    count(*) AS journeys,
    avg(e.teams) AS teams_per_journey,
    sum(e.contacts) AS contacts,
    sum(e.repeat_contacts) AS repeat_contacts,
    count(*) FILTER (WHERE e.contacts > 0) AS journeys_with_contact,
    count(*) FILTER (WHERE e.repeat_contacts > 0) AS journeys_with_repeat
FROM marts.map_journeys AS j
JOIN marts.journey_effort AS e ON e.journey_id = j.journey_id
WHERE j.map_name = $map_name
