-- grain: one segment or start period of the journeys in the map $map_name's scope
-- (marts.map_journeys), with its journeys: the Sankey's filter menu. kind is `segment` (NULL
-- segments as '(no segment)') or `period` (the start month).
SELECT 'segment' AS kind, coalesce(j.segment, '(no segment)') AS value, count(*) AS journeys
FROM marts.map_journeys AS j
WHERE j.map_name = $map_name
GROUP BY value
UNION ALL
SELECT 'period' AS kind, j.period AS value, count(*) AS journeys
FROM marts.map_journeys AS j
WHERE j.map_name = $map_name AND j.period IS NOT NULL
GROUP BY value
ORDER BY kind, journeys DESC, value
