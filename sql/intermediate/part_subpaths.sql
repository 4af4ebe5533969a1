-- grain: one sub-path of one or two touchpoints in the paths of one customer partition's
-- variants (intermediate.part_variants): a touchpoint (subpath = [touchpoint]) or a
-- directly-follows pair (subpath = [from, to]). journeys / customers: distinct journeys /
-- customers (marts.journeys.customer_key) of the partition with it; customers is 0 when none of
-- its journeys has a customer. A customer's journeys are all in one partition, so the counts of
-- the partitions add up to the distinct counts over all the data (int_subpath_counts).
-- Counted from the variants rather than from every event.
WITH

-- each variant's distinct sub-paths; next_touchpoint NULL: the touchpoint alone
variant_subpaths AS (
    SELECT DISTINCT variant_id, journeys, touchpoint, next_touchpoint
    FROM (
        SELECT variant_id, journeys, unnest(path) AS touchpoint, NULL AS next_touchpoint
        FROM intermediate.part_variants
        UNION ALL
        -- two unnests side by side pair each touchpoint with the next ([:-2]: all but the last)
        SELECT variant_id, journeys, unnest(path[:-2]), unnest(path[2:])
        FROM intermediate.part_variants
    )
),

-- Sub-paths and customers get integer ids here: the de-duplication below compares numbers, not
-- touchpoint names and customer keys.
subpath_journeys AS (
    SELECT *, row_number() OVER () AS subpath_id
    FROM (
        SELECT touchpoint, next_touchpoint, sum(journeys)::BIGINT AS journeys
        FROM variant_subpaths
        GROUP BY ALL
    )
),

variant_subpath_ids AS (
    SELECT v.variant_id, s.subpath_id
    FROM variant_subpaths AS v
    JOIN subpath_journeys AS s
        ON v.touchpoint = s.touchpoint
        AND v.next_touchpoint IS NOT DISTINCT FROM s.next_touchpoint
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

-- A customer whose journeys all follow one variant has that variant's sub-paths: such customers
-- are counted per variant. Customers with several variants are de-duplicated per sub-path.
customer_counts AS (
    SELECT v.subpath_id, sum(o.customers) AS n
    FROM (
        SELECT variants[1] AS variant_id, count(*) AS customers
        FROM customer_variants
        WHERE len(variants) = 1
        GROUP BY ALL
    ) AS o
    JOIN variant_subpath_ids AS v USING (variant_id)
    GROUP BY v.subpath_id
    UNION ALL
    SELECT subpath_id, count(*) AS n
    FROM (
        SELECT DISTINCT s.customer_no, v.subpath_id
        FROM (
            SELECT customer_no, unnest(variants) AS variant_id
            FROM customer_variants
            WHERE len(variants) > 1
        ) AS s
        JOIN variant_subpath_ids AS v USING (variant_id)
    )
    GROUP BY subpath_id
)

SELECT
    CASE
        WHEN s.next_touchpoint IS NULL THEN [s.touchpoint]
        ELSE [s.touchpoint, s.next_touchpoint]
    END AS subpath,
    s.journeys,
    coalesce(sum(c.n), 0)::BIGINT AS customers
FROM subpath_journeys AS s
LEFT JOIN customer_counts AS c USING (subpath_id)
GROUP BY ALL
