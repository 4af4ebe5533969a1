-- grain: one row per variant: a distinct path (exact touchpoint sequence) of marts.journeys.
-- rank 1 is the most frequent; ties are broken by the shorter path, then by the path itself
-- (lexicographic), so the order is deterministic. share: journeys / all journeys;
-- cumulative_share: the share of ranks 1..rank. median_duration_seconds: of its journeys.
-- The journeys of each customer partition are counted there (intermediate.part_variants) and
-- added up here; the medians come from intermediate.int_variant_durations.
WITH variants AS (
    SELECT
        v.variant_id,
        any_value(v.path) AS path,
        any_value(v.length) AS length,
        sum(v.journeys)::BIGINT AS journeys,
        any_value(d.median_duration_seconds) AS median_duration_seconds
    FROM intermediate.part_variants AS v
    JOIN intermediate.int_variant_durations AS d USING (variant_id)
    GROUP BY v.variant_id
),

ranked AS (
    SELECT
        *,
        row_number() OVER (ORDER BY journeys DESC, length, path, variant_id) AS rank
    FROM variants
)

SELECT
    variant_id,
    path,
    length,
    journeys,
    journeys / sum(journeys) OVER () AS share,
    sum(journeys) OVER (ORDER BY rank ROWS UNBOUNDED PRECEDING) / sum(journeys) OVER ()
        AS cumulative_share,
    rank,
    median_duration_seconds
FROM ranked
ORDER BY rank
