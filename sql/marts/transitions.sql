-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
WITH times AS (
    SELECT
        touchpoint AS from_touchpoint,
        next_touchpoint AS to_touchpoint,
        count(*) AS transitions,
        -- both quantiles from one sort of the pair's times
        quantile_cont(seconds_to_next, [0.5, 0.9]) AS quantiles
    FROM marts.events
    WHERE next_touchpoint IS NOT NULL
    GROUP BY ALL
),

-- Distinct journeys and customers per pair come from the paths of marts.journeys (a journey's
-- touchpoints in step order: the same consecutive pairs as next_touchpoint), one variant at a
-- time, which is far cheaper than de-duplicating (pair, journey) over all the events.
variant_paths AS (
    SELECT variant_id, any_value(path) AS path, count(*) AS journeys
    FROM marts.journeys
    GROUP BY variant_id
),

variant_pairs AS (
    SELECT DISTINCT *
    FROM (
        -- two unnests side by side pair each touchpoint with the next ([:-2]: all but the last)
        SELECT
            variant_id,
            journeys,
            unnest(path[:-2]) AS from_touchpoint,
            unnest(path[2:]) AS to_touchpoint
        FROM variant_paths
    )
),

journey_counts AS (
    SELECT from_touchpoint, to_touchpoint, sum(journeys)::BIGINT AS journeys
    FROM variant_pairs
    GROUP BY ALL
),

-- A customer whose journeys all follow one variant has that variant's pairs: such customers
-- are counted per variant. Customers with several variants are de-duplicated per pair.
customer_variants AS (
    SELECT customer_key, list(DISTINCT variant_id) AS variants
    FROM marts.journeys
    WHERE customer_key IS NOT NULL
    GROUP BY customer_key
),

customer_counts AS (
    SELECT from_touchpoint, to_touchpoint, sum(customers)::BIGINT AS customers
    FROM (
        SELECT p.from_touchpoint, p.to_touchpoint, o.customers
        FROM (
            SELECT variants[1] AS variant_id, count(*) AS customers
            FROM customer_variants
            WHERE len(variants) = 1
            GROUP BY ALL
        ) AS o
        JOIN variant_pairs AS p USING (variant_id)
        UNION ALL
        SELECT p.from_touchpoint, p.to_touchpoint, count(DISTINCT s.customer_key) AS customers
        FROM (
            SELECT customer_key, unnest(variants) AS variant_id
            FROM customer_variants
            WHERE len(variants) > 1
        ) AS s
        JOIN variant_pairs AS p USING (variant_id)
        GROUP BY ALL
    )
    GROUP BY ALL
)

SELECT
    t.from_touchpoint,
    t.to_touchpoint,
    t.transitions,
    j.journeys,
    coalesce(c.customers, 0) AS customers,
    t.quantiles[1] AS median_seconds,
    t.quantiles[2] AS p90_seconds
FROM times AS t
JOIN journey_counts AS j USING (from_touchpoint, to_touchpoint)
LEFT JOIN customer_counts AS c USING (from_touchpoint, to_touchpoint)
ORDER BY t.transitions DESC, t.from_touchpoint, t.to_touchpoint
