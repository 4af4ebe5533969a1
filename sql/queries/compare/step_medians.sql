-- grain: one step of the map $map_name with a previous map step in some journey: the median time
-- from that previous step over every kept occurrence (marts.map_steps; compare/cache.py).
select
    step,
    median(seconds_from_previous) as median_seconds_from_previous
from intermediate.map_step_seconds
where map_name = $map_name
group by step
