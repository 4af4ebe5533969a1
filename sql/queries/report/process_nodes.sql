-- grain: one touchpoint of the paths of the map $map_name's journeys (marts.map_journeys.path,
-- the map's ignored touchpoints already gone): the nodes of the process map.
-- journeys: journeys passing it; visits: its occurrences once consecutive repeats are
-- collapsed; repeat_journeys: journeys doing it twice or more in a row; repeats: those extra
-- consecutive occurrences (the self-loop); starts / ends: journeys starting / ending with it.
-- Counted once per variant (variant_id fixes the path after ignore) and weighted by its
-- journeys: the same numbers as per journey, without unnesting every journey's path.
with scope as (
    select
        j.variant_id,
        any_value(j.path) as path,
        count(*) as journeys
    from marts.map_journeys as j
    where j.map_name = $map_name and len(j.path) > 0
    group by j.variant_id
),

steps as (
    select
        s.variant_id,
        s.journeys,
        k as position,
        s.path[k] as touchpoint,
        k > 1 and s.path[k] = s.path[k - 1] as is_repeat,
        k = 1 as is_start,
        k = len(s.path) as is_end
    from scope as s, range(1, len(s.path) + 1) as r (k)
),

per_variant as (
    select
        touchpoint,
        variant_id,
        any_value(journeys) as journeys,
        count(*) filter (where not is_repeat) as visits,
        count(*) filter (where is_repeat) as repeats,
        count(*) filter (where is_start) as starts,
        count(*) filter (where is_end) as ends
    from steps
    group by touchpoint, variant_id
)

select
    touchpoint,
    sum(journeys)::bigint as journeys,
    sum(visits * journeys)::bigint as visits,
    coalesce(sum(journeys) filter (where repeats > 0), 0)::bigint as repeat_journeys,
    sum(repeats * journeys)::bigint as repeats,
    sum(starts * journeys)::bigint as starts,
    sum(ends * journeys)::bigint as ends
from per_variant
group by touchpoint
order by journeys desc, touchpoint asc
