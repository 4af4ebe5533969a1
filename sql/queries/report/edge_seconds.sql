-- grain: one edge of the process map of the map $map_name (from_touchpoint, to_touchpoint,
-- two different touchpoints), with the median seconds between them: from the last event of
-- the first touchpoint to the next event, over the events of marts.events that are on the
-- journey's path in marts.map_journeys (so the map's ignored touchpoints are left out), in
-- step order. Journeys are sampled by a hash of journey_id: kept when
-- hash % $modulus < $kept (all of them when $kept = $modulus).
WITH scope AS (
    SELECT j.journey_id, j.path
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name AND hash(j.journey_id) % $modulus < $kept
),
events AS (
    SELECT e.journey_id, e.step_index, e.touchpoint, e.occurred_at
    FROM marts.events AS e
    INNER JOIN scope AS s
        ON e.journey_id = s.journey_id AND list_contains(s.path, e.touchpoint)
),
pairs AS (
    SELECT
        lag(touchpoint) OVER w AS from_touchpoint,
        touchpoint AS to_touchpoint,
        epoch_ms(occurred_at) - epoch_ms(lag(occurred_at) OVER w) AS ms
    FROM events
    WINDOW w AS (PARTITION BY journey_id ORDER BY step_index)
)
SELECT from_touchpoint, to_touchpoint, median(ms) / 1000.0 AS median_seconds
FROM pairs
WHERE from_touchpoint IS NOT NULL AND from_touchpoint <> to_touchpoint
GROUP BY from_touchpoint, to_touchpoint
ORDER BY from_touchpoint, to_touchpoint
