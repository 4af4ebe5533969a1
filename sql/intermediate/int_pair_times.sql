-- grain: one directly-follows pair of the pairs whose hash bucket is $key of $keys (all with
-- $keys = 1): the median and 90th percentile of the seconds between its two events
-- (interpolated) over every partition, from one sort of the pair's times. Computed per pair
-- bucket, never from partial quantiles (a cluster runs one task per bucket).
SELECT
    touchpoint AS from_touchpoint,
    next_touchpoint AS to_touchpoint,
    quantile_cont(seconds_to_next, [0.5, 0.9]) AS quantiles
FROM marts.events
WHERE next_touchpoint IS NOT NULL AND hash(touchpoint, next_touchpoint) % $keys = $key
GROUP BY ALL
