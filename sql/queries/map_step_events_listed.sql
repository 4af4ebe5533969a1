-- grain: one event of marts.events on a step of one map ($steps, the step names in file order),
-- of the journeys listed in intermediate.compare_changed: the journeys a micro-batch changed,
-- whose step timing compare reads again (compare.timing with listed=True). Columns as
-- queries/map_step_events.sql.
SELECT
    e.journey_id,
    e.step_index,
    (list_position($steps::VARCHAR[], e.touchpoint) - 1)::USMALLINT AS step_code,
    e.occurred_at,
    e.channel
FROM marts.events AS e
SEMI JOIN intermediate.compare_changed AS c ON e.journey_id = c.journey_id
WHERE list_contains($steps::VARCHAR[], e.touchpoint)
