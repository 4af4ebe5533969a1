-- grain: one (gap, segment) of the map $map_name: who the gap affects, as compare counted it
-- (marts.map_gaps.segments: the gap's journeys per CRM segment and their share of the gap's
-- journeys); share_of_scope: the segment's share of every journey in the map's scope
-- (marts.map_journeys), to compare with. A journey without a segment counts as '(no segment)'.
WITH gap_segments AS (
    SELECT g.gap_id, unnest(g.segments) AS s
    FROM marts.map_gaps AS g
    WHERE g.map_name = $map_name
),
scope AS (
    SELECT
        coalesce(j.segment, '(no segment)') AS segment,
        count(*) / sum(count(*)) OVER () AS share_of_scope
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name
    GROUP BY 1
)
SELECT
    g.gap_id,
    coalesce(g.s.segment, '(no segment)') AS segment,
    g.s.journeys AS journeys,
    g.s.share AS share,
    c.share_of_scope
FROM gap_segments AS g
INNER JOIN scope AS c ON c.segment = coalesce(g.s.segment, '(no segment)')
ORDER BY g.gap_id, journeys DESC, segment
