-- grain: one touchpoint of the paths of the map $map_name's journeys (marts.map_journeys.path,
-- the map's ignored touchpoints already gone): the nodes of the process map.
-- journeys: journeys passing it; visits: its occurrences once consecutive repeats are
-- collapsed; repeat_journeys: journeys doing it twice or more in a row; repeats: those extra
-- consecutive occurrences (the self-loop); starts / ends: journeys starting / ending with it.
with scope as (
    select
        j.journey_id,
        j.path
    from marts.map_journeys as j
    where j.map_name = $map_name and len(j.path) > 0
),

steps as (
    select
        s.journey_id,
        k as position,
        s.path[k] as touchpoint,
        k > 1 and s.path[k] = s.path[k - 1] as is_repeat,
        k = 1 as is_start,
        k = len(s.path) as is_end
    from scope as s, range(1, len(s.path) + 1) as r (k)
)

select
    touchpoint,
    count(distinct journey_id) as journeys,
    count(*) filter (where not is_repeat) as visits,
    count(distinct journey_id) filter (where is_repeat) as repeat_journeys,
    count(*) filter (where is_repeat) as repeats,
    count(*) filter (where is_start) as starts,
    count(*) filter (where is_end) as ends
from steps
group by touchpoint
order by journeys desc, touchpoint asc
