-- grain: one touchpoint of the map $map_name (marts.touchpoint_impact), ranked first, the
-- outcome touchpoints (no rank) last.
select *
from marts.touchpoint_impact
where map_name = $map_name
order by rank nulls last, touchpoint
