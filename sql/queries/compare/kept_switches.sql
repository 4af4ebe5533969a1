-- grain: one kept unplanned channel switch of a journey on the map $map_name (compare/cache.py).
select
    journey_id,
    prev_step,
    step,
    prev_channel,
    channel
from intermediate.map_channel_switches
where map_name = $map_name
