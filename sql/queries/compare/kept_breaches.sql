-- grain: one kept (journey, step) of the map $map_name later than the step's `within:`, with the
-- longest such wait (compare/cache.py).
SELECT journey_id, step, seconds
FROM intermediate.map_sla_breaches
WHERE map_name = $map_name
