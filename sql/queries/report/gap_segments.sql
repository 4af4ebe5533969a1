-- grain: one (gap, segment) of the map $map_name: who the gap affects. journeys: the gap's
-- journeys in the segment (marts.map_journeys.gap_ids); share: of the gap's journeys;
-- share_of_scope: the segment's share of every journey in the map's scope, to compare with.
-- A journey without a segment counts as '(no segment)'.
with scope as (
    select
        coalesce(j.segment, '(no segment)') as segment,
        j.gap_ids
    from marts.map_journeys as j
    where j.map_name = $map_name
),

segments as (
    select
        segment,
        count(*) / sum(count(*)) over () as share_of_scope
    from scope
    group by segment
),

members as (
    select
        unnest(s.gap_ids) as gap_id,
        s.segment
    from scope as s
)

select
    m.gap_id,
    m.segment,
    count(*) as journeys,
    count(*) / sum(count(*)) over (partition by m.gap_id) as share,
    s.share_of_scope
from members as m
inner join segments as s on m.segment = s.segment
group by m.gap_id, m.segment, s.share_of_scope
order by m.gap_id asc, journeys desc, m.segment asc
