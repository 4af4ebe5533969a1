-- grain: one (gap, segment) of the map $map_name: who the gap affects. journeys: the gap's
-- journeys in the segment (marts.map_journeys.gap_ids); share: of the gap's journeys;
-- share_of_scope: the segment's share of every journey in the map's scope, to compare with.
-- A journey without a segment counts as '(no segment)'.
WITH scope AS (
    SELECT coalesce(j.segment, '(no segment)') AS segment, j.gap_ids
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name
),
segments AS (
    SELECT segment, count(*) / sum(count(*)) OVER () AS share_of_scope
    FROM scope
    GROUP BY segment
),
members AS (
    SELECT unnest(s.gap_ids) AS gap_id, s.segment
    FROM scope AS s
)
SELECT
    m.gap_id,
    m.segment,
    count(*) AS journeys,
    count(*) / sum(count(*)) OVER (PARTITION BY m.gap_id) AS share,
    s.share_of_scope
FROM members AS m
INNER JOIN segments AS s ON m.segment = s.segment
GROUP BY m.gap_id, m.segment, s.share_of_scope
ORDER BY m.gap_id, journeys DESC, m.segment
