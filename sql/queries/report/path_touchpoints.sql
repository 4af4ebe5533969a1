-- grain: one distinct touchpoint of the journeys' paths (marts.journeys.path): the names a
-- map's `ignore:` globs are matched against (JourneyMap.ignored).
SELECT DISTINCT unnest(j.path) AS touchpoint
FROM marts.journeys AS j
ORDER BY touchpoint
