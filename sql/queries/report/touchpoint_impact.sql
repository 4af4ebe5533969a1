-- grain: one touchpoint of the map $map_name (marts.touchpoint_impact), ranked first, the
-- outcome touchpoints (no rank) last.
SELECT *
FROM marts.touchpoint_impact
WHERE map_name = $map_name
ORDER BY rank NULLS LAST, touchpoint
