-- grain: one kept (journey, step) of the map $map_name later than the step's `within:`, with the
-- longest such wait (compare/cache.py).
select
    journey_id,
    step,
    seconds
from intermediate.map_sla_breaches
where map_name = $map_name
