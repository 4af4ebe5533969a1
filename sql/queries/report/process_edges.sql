-- grain: one edge of the process map of the map $map_name: a pair of consecutive, different
-- touchpoints of marts.map_journeys.path (consecutive repeats are the nodes' self-loops), plus
-- the journeys' starts (from_touchpoint NULL) and ends (to_touchpoint NULL).
-- journeys: journeys taking the edge; transitions: how often it is taken.
-- Counted once per variant (variant_id fixes the path after ignore), weighted by its journeys.
with variants as (
    select
        j.variant_id,
        any_value(j.path) as path,
        count(*) as journeys
    from marts.map_journeys as j
    where j.map_name = $map_name and len(j.path) > 0
    group by j.variant_id
),

scope as (
    select
        v.variant_id,
        v.journeys,
        [t for t, i in v.path if i = 1 or t <> v.path[i - 1]] as steps
    from variants as v
),

pairs as (
    select
        s.variant_id,
        s.journeys,
        case when k > 1 then s.steps[k - 1] end as from_touchpoint,
        case when k <= len(s.steps) then s.steps[k] end as to_touchpoint
    from scope as s, range(1, len(s.steps) + 2) as r (k)
),

per_variant as (
    select
        from_touchpoint,
        to_touchpoint,
        any_value(journeys) as journeys,
        count(*) as transitions
    from pairs
    group by from_touchpoint, to_touchpoint, variant_id
)

select
    from_touchpoint,
    to_touchpoint,
    sum(journeys)::bigint as journeys,
    sum(transitions * journeys)::bigint as transitions
from per_variant
group by from_touchpoint, to_touchpoint
order by journeys desc, from_touchpoint asc nulls first, to_touchpoint asc nulls last
