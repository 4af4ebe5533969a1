-- grain: one (gap, segment) of the map $map_name: who the gap affects, as compare counted it
-- (marts.map_gaps.segments: the gap's journeys per CRM segment and their share of the gap's
-- journeys); share_of_scope: the segment's share of every journey in the map's scope
-- (marts.map_journeys), to compare with. A journey without a segment counts as '(no segment)'.
with gap_segments as (
    select
        g.gap_id,
        unnest(g.segments) as s
    from marts.map_gaps as g
    where g.map_name = $map_name
),

scope as (
    select
        coalesce(j.segment, '(no segment)') as segment,
        count(*) / sum(count(*)) over () as share_of_scope
    from marts.map_journeys as j
    where j.map_name = $map_name
    group by coalesce(j.segment, '(no segment)')
)

select
    g.gap_id,
    coalesce(g.s.segment, '(no segment)') as segment,
    g.s.journeys,
    g.s.share,
    c.share_of_scope
from gap_segments as g
inner join scope as c on c.segment = coalesce(g.s.segment, '(no segment)')
order by g.gap_id asc, g.s.journeys desc, coalesce(g.s.segment, '(no segment)') asc
