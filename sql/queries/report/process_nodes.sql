-- grain: one touchpoint of the paths of the map $map_name's journeys (marts.map_journeys.path,
-- the map's ignored touchpoints already gone): the nodes of the process map.
-- journeys: journeys passing it; visits: its occurrences once consecutive repeats are
-- collapsed; repeat_journeys: journeys doing it twice or more in a row; repeats: those extra
-- consecutive occurrences (the self-loop); starts / ends: journeys starting / ending with it.
WITH scope AS (
    SELECT j.journey_id, j.path
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name AND len(j.path) > 0
),
steps AS (
    SELECT
        s.journey_id,
        k AS position,
        s.path[k] AS touchpoint,
        k > 1 AND s.path[k] = s.path[k - 1] AS is_repeat,
        k = 1 AS is_start,
        k = len(s.path) AS is_end
    FROM scope AS s, range(1, len(s.path) + 1) AS r (k)
)
SELECT
    touchpoint,
    count(DISTINCT journey_id) AS journeys,
    count(*) FILTER (WHERE NOT is_repeat) AS visits,
    count(DISTINCT journey_id) FILTER (WHERE is_repeat) AS repeat_journeys,
    count(*) FILTER (WHERE is_repeat) AS repeats,
    count(*) FILTER (WHERE is_start) AS starts,
    count(*) FILTER (WHERE is_end) AS ends
FROM steps
GROUP BY touchpoint
ORDER BY journeys DESC, touchpoint
