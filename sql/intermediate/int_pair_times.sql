-- grain: one directly-follows pair of the pairs whose hash bucket is $bucket of $buckets (all with
-- $buckets = 1): the median and 90th percentile of the seconds between its two events
-- (interpolated) over every partition, from one sort of the pair's times. Computed per pair
-- bucket, never from partial quantiles (a cluster runs one task per bucket).
select
    touchpoint as from_touchpoint,
    next_touchpoint as to_touchpoint,
    quantile_cont(seconds_to_next, [0.5, 0.9]) as quantiles
from marts.events
where next_touchpoint is not null and hash(touchpoint, next_touchpoint) % $buckets = $bucket
group by all
