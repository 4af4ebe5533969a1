-- grain: one variant (variant_id) of the variants whose hash bucket is $key of $keys (all with
-- $keys = 1): the median duration of its journeys over every partition. A median needs every
-- value of its group in one place, so it is computed per variant bucket, never from partial
-- medians (a cluster runs one task per bucket).
SELECT
    variant_id,
    quantile_cont(duration_seconds, 0.5) AS median_duration_seconds
FROM marts.journeys
WHERE hash(variant_id) % $keys = $key
GROUP BY variant_id
