-- grain: one kept unplanned channel switch of a journey on the map $map_name (compare/cache.py).
SELECT journey_id, prev_step, step, prev_channel, channel
FROM intermediate.map_channel_switches
WHERE map_name = $map_name
