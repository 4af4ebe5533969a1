-- grain: one row per variant: a distinct path (exact touchpoint sequence) of marts.journeys.
-- rank 1 is the most frequent; ties are broken by the shorter path, then by the path itself
-- (lexicographic), so the order is deterministic. share: journeys / all journeys;
-- cumulative_share: the share of ranks 1..rank. median_duration_seconds: of its journeys.
-- The journeys of each customer partition are counted there (intermediate.part_variants) and
-- added up here; the medians come from intermediate.int_variant_durations.
with variants as (
    select
        v.variant_id,
        any_value(v.path) as path,
        any_value(v.length) as length,
        sum(v.journeys)::bigint as journeys,
        any_value(d.median_duration_seconds) as median_duration_seconds
    from intermediate.part_variants as v
    inner join intermediate.int_variant_durations as d using (variant_id)
    group by v.variant_id
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
