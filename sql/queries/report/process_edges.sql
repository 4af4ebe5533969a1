-- grain: one edge of the process map of the map $map_name: a pair of consecutive, different
-- touchpoints of marts.map_journeys.path (consecutive repeats are the nodes' self-loops), plus
-- the journeys' starts (from_touchpoint NULL) and ends (to_touchpoint NULL).
-- journeys: journeys taking the edge; transitions: how often it is taken.
with scope as (
    select
        j.journey_id,
        [t for t, i in j.path if i = 1 or t <> j.path[i - 1]] as steps
    from marts.map_journeys as j
    where j.map_name = $map_name and len(j.path) > 0
),

pairs as (
    select
        s.journey_id,
        case when k > 1 then s.steps[k - 1] end as from_touchpoint,
        case when k <= len(s.steps) then s.steps[k] end as to_touchpoint
    from scope as s, range(1, len(s.steps) + 2) as r (k)
)

select
    from_touchpoint,
    to_touchpoint,
    count(distinct journey_id) as journeys,
    count(*) as transitions
from pairs
group by from_touchpoint, to_touchpoint
order by journeys desc, from_touchpoint asc nulls first, to_touchpoint asc nulls last
