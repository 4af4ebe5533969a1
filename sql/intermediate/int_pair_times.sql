-- grain: one directly-follows pair of the pairs whose hash bucket is $bucket of $buckets (all with
-- $buckets = 1): the median and 90th percentile of the seconds between its two events
-- (interpolated) over every partition, from one sort of the pair's times. Computed per pair
-- bucket, never from partial quantiles (a cluster runs one task per bucket).
select
    touchpoint as from_touchpoint,
    next_touchpoint as to_touchpoint,
    quantile_cont(seconds_to_next, [0.5, 0.9]) as quantiles
from marts.events
where
    next_touchpoint is not null
    -- one bucket: no hash per event (the hash of every event's pair was 1.1 of the statement's
    -- 1.7 CPU-s at 10M events)
    and ($buckets = 1 or hash(touchpoint, next_touchpoint) % $buckets = $bucket)
group by all
