-- grain: one edge of the process map of the map $map_name: a pair of consecutive, different
-- touchpoints of marts.map_journeys.path (consecutive repeats are the nodes' self-loops), plus
-- the journeys' starts (from_touchpoint NULL) and ends (to_touchpoint NULL).
-- journeys: journeys taking the edge; transitions: how often it is taken.
WITH scope AS (
    SELECT
        j.journey_id,
        [t FOR t, i IN j.path IF i = 1 OR t <> j.path[i - 1]] AS steps
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name AND len(j.path) > 0
),
pairs AS (
    SELECT
        s.journey_id,
        CASE WHEN k > 1 THEN s.steps[k - 1] END AS from_touchpoint,
        CASE WHEN k <= len(s.steps) THEN s.steps[k] END AS to_touchpoint
    FROM scope AS s, range(1, len(s.steps) + 2) AS r (k)
)
SELECT
    from_touchpoint,
    to_touchpoint,
    count(DISTINCT journey_id) AS journeys,
    count(*) AS transitions
FROM pairs
GROUP BY from_touchpoint, to_touchpoint
ORDER BY journeys DESC, from_touchpoint NULLS FIRST, to_touchpoint NULLS LAST
