-- grain: one row, the journeys compare aligned for the map $map_name and the share of them
-- that conform (NULL when none).
SELECT count(*) AS journeys, avg(c.is_conforming::DOUBLE) AS conforming_share
FROM marts.map_conformance AS c
WHERE c.map_name = $map_name
