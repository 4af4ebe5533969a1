-- grain: one row per touchpoint.
-- events: its events; journeys / customers: distinct journeys / customers with it;
-- starts / ends: journeys whose first / last step it is.
WITH

-- Counted from the paths of marts.variants (a journey's touchpoints in step order, with how many
-- journeys follow it), one variant at a time, as marts.transitions counts its pairs: far cheaper
-- than grouping every event by (touchpoint, journey). (Built after marts.variants:
-- journeys.mining.marts.MINING_MODELS.)
variant_steps AS (
    -- two unnests side by side pair each touchpoint of a path with its step number
    SELECT
        variant_id,
        journeys,
        len(path) AS length,
        unnest(path) AS touchpoint,
        unnest(range(1, len(path) + 1)) AS step
    FROM marts.variants
),

variant_touchpoints AS (
    SELECT
        variant_id,
        touchpoint,
        any_value(journeys) AS journeys,
        count(*) AS occurrences,
        bool_or(step = 1) AS is_start,
        bool_or(step = length) AS is_end
    FROM variant_steps
    GROUP BY variant_id, touchpoint
),

journey_counts AS (
    SELECT
        touchpoint,
        sum(journeys * occurrences)::BIGINT AS events,
        sum(journeys)::BIGINT AS journeys,
        coalesce(sum(journeys) FILTER (WHERE is_start), 0)::BIGINT AS starts,
        coalesce(sum(journeys) FILTER (WHERE is_end), 0)::BIGINT AS ends
    FROM variant_touchpoints
    GROUP BY touchpoint
),

-- Touchpoints and customers get integer ids here: the de-duplication below compares numbers,
-- not touchpoint names and customer keys.
touchpoint_ids AS (
    SELECT touchpoint, row_number() OVER () AS touchpoint_id
    FROM journey_counts
),

variant_touchpoint_ids AS (
    SELECT v.variant_id, i.touchpoint_id
    FROM variant_touchpoints AS v
    JOIN touchpoint_ids AS i USING (touchpoint)
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

-- A customer whose journeys all follow one variant has that variant's touchpoints: such
-- customers are counted per variant. Customers with several variants are de-duplicated per
-- touchpoint.
customer_counts AS (
    SELECT i.touchpoint, sum(n)::BIGINT AS customers
    FROM (
        SELECT v.touchpoint_id, sum(o.customers) AS n
        FROM (
            SELECT variants[1] AS variant_id, count(*) AS customers
            FROM customer_variants
            WHERE len(variants) = 1
            GROUP BY ALL
        ) AS o
        JOIN variant_touchpoint_ids AS v USING (variant_id)
        GROUP BY v.touchpoint_id
        UNION ALL
        SELECT touchpoint_id, count(*) AS n
        FROM (
            SELECT DISTINCT s.customer_no, v.touchpoint_id
            FROM (
                SELECT customer_no, unnest(variants) AS variant_id
                FROM customer_variants
                WHERE len(variants) > 1
            ) AS s
            JOIN variant_touchpoint_ids AS v USING (variant_id)
        )
        GROUP BY touchpoint_id
    )
    JOIN touchpoint_ids AS i USING (touchpoint_id)
    GROUP BY ALL
)

SELECT
    j.touchpoint,
    j.events,
    j.journeys,
    coalesce(c.customers, 0) AS customers,
    j.starts,
    j.ends
FROM journey_counts AS j
LEFT JOIN customer_counts AS c USING (touchpoint)
ORDER BY j.events DESC, j.touchpoint
