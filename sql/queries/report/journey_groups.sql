-- grain: one (path after the map's ignored touchpoints, status, segment, start month) of the
-- journeys in a map's scope, with `journeys` counting them: the frame every chart function of
-- the report takes (as many rows as distinct paths, not journeys).
-- $ignored: the touchpoints the map ignores (names, globs already resolved);
-- $steps: the map's steps (a journey is in scope when its path touches one of them).
WITH scoped AS (
    SELECT
        list_filter(j.path, lambda t: NOT list_contains($ignored::VARCHAR[], t)) AS path,
        j.status::VARCHAR AS status,
        j.segment::VARCHAR AS segment,
        date_trunc('month', j.started_at) AS started_at
    FROM marts.journeys AS j
)
SELECT path, status, segment, started_at, count(*) AS journeys
FROM scoped
WHERE list_has_any(path, $steps::VARCHAR[])
GROUP BY ALL
ORDER BY ALL
