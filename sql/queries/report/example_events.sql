-- grain: one event of the example journeys $ids of the map $map_name (marts.events), in step
-- order, drawn as timelines: touchpoint, channel, team, system, when, the wait since the
-- previous event, and in_scope (false: a touchpoint the map ignores, not on the journey's
-- path in marts.map_journeys).
SELECT
    e.journey_id,
    e.step_index,
    e.touchpoint,
    e.channel,
    e.team,
    e.system,
    e.occurred_at,
    (epoch_ms(e.occurred_at) - epoch_ms(lag(e.occurred_at) OVER w)) / 1000.0 AS wait_seconds,
    list_contains(j.path, e.touchpoint) AS in_scope
FROM marts.events AS e
INNER JOIN marts.map_journeys AS j
    ON e.journey_id = j.journey_id AND j.map_name = $map_name
WHERE e.journey_id IN (SELECT unnest($ids::VARCHAR[]))
WINDOW w AS (PARTITION BY e.journey_id ORDER BY e.step_index)
ORDER BY e.journey_id, e.step_index
