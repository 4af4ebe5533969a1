-- grain: one step of the map $map_name with a previous map step in some journey: the median time
-- from that previous step over every kept occurrence (marts.map_steps; compare/cache.py keeps
-- them one row per journey, its steps, as their 0-based places in $steps, the step names in
-- file order, and their seconds as two lists).
select
    list_extract($steps::varchar[], k.code + 1) as step,
    median(k.seconds_from_previous) as median_seconds_from_previous
from (
    select
        unnest(s.steps) as code,
        unnest(s.seconds) as seconds_from_previous
    from intermediate.map_step_seconds as s
    where s.map_name = $map_name
) as k
group by k.code
