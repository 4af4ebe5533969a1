-- grain: one (period, gap) of the map $map_name at version $map_version in marts.map_gap_history:
-- what compare's drift tests read (compare/drift.py).
SELECT *
FROM marts.map_gap_history
WHERE map_name = $map_name AND map_version = $map_version
ORDER BY period, gap_id
