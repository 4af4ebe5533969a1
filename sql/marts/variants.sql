-- grain: one row per variant: a distinct path (exact touchpoint sequence) of marts.journeys.
-- rank 1 is the most frequent; ties are broken by the shorter path, then by the path itself
-- (lexicographic), so the order is deterministic. share: journeys / all journeys;
-- cumulative_share: the share of ranks 1..rank. median_duration_seconds: of its journeys.
with variants as (
    select
        variant_id,
        any_value(path) as path,
        any_value(n_steps) as length,
        count(*) as journeys,
        quantile_cont(duration_seconds, 0.5) as median_duration_seconds
    from marts.journeys
    group by variant_id
),

ranked as (
    select
        *,
        row_number() over (order by journeys desc, length asc, path asc, variant_id asc) as rank
    from variants
)

select
    variant_id,
    path,
    length,
    journeys,
    journeys / sum(journeys) over () as share,
    sum(journeys) over (order by rank rows unbounded preceding) / sum(journeys) over ()
        as cumulative_share,
    rank,
    median_duration_seconds
from ranked
order by rank
