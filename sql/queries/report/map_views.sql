-- grain: one segment or start period of the journeys in the map $map_name's scope
-- (marts.map_journeys), with its journeys: the Sankey's filter menu. kind is `segment` (NULL
-- segments as '(no segment)') or `period` (the start month).
select
    'segment' as kind,
    coalesce(j.segment, '(no segment)') as value,
    count(*) as journeys
from marts.map_journeys as j
where j.map_name = $map_name
group by value
union all
select
    'period' as kind,
    j.period as value,
    count(*) as journeys
from marts.map_journeys as j
where j.map_name = $map_name and j.period is not null
group by value
order by kind asc, journeys desc, value asc
