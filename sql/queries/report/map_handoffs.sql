-- grain: one (from_team, to_team) pair of the handoffs in the journeys of the map $map_name's
-- scope (marts.map_journeys), leaving out handoffs from or to a touchpoint the map ignores (one
-- missing from the journey's path, which is the path after the map's `ignore:`): the handoffs
-- the map is about. Most missed first.
SELECT
    h.from_team,
    h.to_team,
    count(*) AS handoffs,
    count(*) FILTER (WHERE h.is_missed) AS missed,
    count(*) FILTER (WHERE h.is_late) AS late,
    count(*) FILTER (WHERE h.repeat_contacts > 0) AS repeated,
    count(*) FILTER (WHERE h.reopens > 0) AS reopened,
    count(*) FILTER (WHERE h.is_bounce) AS bounced,
    median(h.wait_seconds) AS median_wait_seconds,
    min(h.sla_seconds) AS sla_seconds
FROM marts.journey_handoffs AS h
JOIN marts.map_journeys AS j ON j.journey_id = h.journey_id
WHERE
    j.map_name = $map_name
    AND list_contains(j.path, h.touchpoint)
    AND list_contains(j.path, h.from_touchpoint)
GROUP BY h.from_team, h.to_team
ORDER BY missed DESC, handoffs DESC, h.from_team, h.to_team
