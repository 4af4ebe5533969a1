-- grain: one variant (variant_id) of the variants whose hash bucket is $bucket of $buckets (all
-- with $buckets = 1): the median duration of its journeys over every partition. A median needs
-- every value of its group in one place, so it is computed per variant bucket, never from
-- partial medians (a cluster runs one task per bucket).
select
    variant_id,
    quantile_cont(duration_seconds, 0.5) as median_duration_seconds
from marts.journeys
where $buckets = 1 or hash(variant_id) % $buckets = $bucket  -- one bucket: no hash per row
group by variant_id
