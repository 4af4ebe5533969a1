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

-- Distinct journeys and customers per pair come from the paths of marts.variants (a journey's
-- touchpoints in step order: the same consecutive pairs as next_touchpoint), one variant at a
-- time, which is far cheaper than de-duplicating (pair, journey) over all the events. (Built
-- after marts.variants: journeys.mining.marts.MINING_MODELS.)
variant_paths AS (
    SELECT variant_id, path, journeys
    FROM marts.variants
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

-- Pairs and customers get integer ids here: the de-duplication below compares numbers, not
-- touchpoint names and customer keys.
pair_ids AS (
    SELECT from_touchpoint, to_touchpoint, row_number() OVER () AS pair_id
    FROM (SELECT DISTINCT from_touchpoint, to_touchpoint FROM variant_pairs)
),

variant_pair_ids AS (
    SELECT p.variant_id, i.pair_id
    FROM variant_pairs AS p
    JOIN pair_ids AS i USING (from_touchpoint, to_touchpoint)
),

customer_variants AS (
    SELECT row_number() OVER () AS customer_no, variants
    FROM (
        SELECT list(DISTINCT variant_id) AS variants
        FROM marts.journeys
        WHERE customer_key IS NOT NULL
        GROUP BY customer_key
    )
),

-- A customer whose journeys all follow one variant has that variant's pairs: such customers
-- are counted per variant. Customers with several variants are de-duplicated per pair.
customer_counts AS (
    SELECT i.from_touchpoint, i.to_touchpoint, sum(n)::BIGINT AS customers
    FROM (
        SELECT v.pair_id, sum(o.customers) AS n
        FROM (
            SELECT variants[1] AS variant_id, count(*) AS customers
            FROM customer_variants
            WHERE len(variants) = 1
            GROUP BY ALL
        ) AS o
        JOIN variant_pair_ids AS v USING (variant_id)
        GROUP BY v.pair_id
        UNION ALL
        SELECT pair_id, count(*) AS n
        FROM (
            SELECT DISTINCT s.customer_no, v.pair_id
            FROM (
                SELECT customer_no, unnest(variants) AS variant_id
                FROM customer_variants
                WHERE len(variants) > 1
            ) AS s
            JOIN variant_pair_ids AS v USING (variant_id)
        )
        GROUP BY pair_id
    )
    JOIN pair_ids AS i USING (pair_id)
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
