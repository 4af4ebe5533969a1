-- grain: one row per variant: a distinct path (exact touchpoint sequence) of marts.journeys.
-- rank 1 is the most frequent; ties are broken by the shorter path, then by the path itself
-- (lexicographic), so the order is deterministic. share: journeys / all journeys;
-- cumulative_share: the share of ranks 1..rank. median_duration_seconds: of its journeys.
WITH variants AS (
    SELECT
        variant_id,
        any_value(path) AS path,
        any_value(n_steps) AS length,
        count(*) AS journeys,
        quantile_cont(duration_seconds, 0.5) AS median_duration_seconds
    FROM marts.journeys
    GROUP BY variant_id
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
