-- grain: one step of the map $map_name with a previous map step in some journey: the median time
-- from that previous step over every kept occurrence (marts.map_steps; compare/cache.py).
SELECT step, median(seconds_from_previous) AS median_seconds_from_previous
FROM intermediate.map_step_seconds
WHERE map_name = $map_name
GROUP BY step
