-- grain: one band of the observed Sankey of the map $map_name: journeys moving from a node to
-- the next. Each journey's path (marts.map_journeys.path) with consecutive repeats collapsed is
-- cut after $depth steps (`more`: it goes on). The distinct cut paths, most journeys first
-- (ties: the path's text, then those that end first), are drawn in full until they cover
-- $coverage of the journeys: the top paths. A node is (position, touchpoint); position 0 is
-- `Start`. A journey follows the drawn nodes as far as its cut path is the start of a top
-- path, then flows into `end` (a top path that ends there, by status), `more` (a top path that
-- goes on after $depth steps) or `other` (not a top path). So at every step node the journeys
-- in = the journeys going on + the journeys ending there, and end + more = the top paths'
-- journeys, other the rest.
-- $segment / $period: NULL for every journey, else only that segment ('(no segment)' for
-- none) / start month.
WITH scope AS (
    SELECT
        [t FOR t, i IN j.path IF i = 1 OR t <> j.path[i - 1]][1:$depth] AS drawn,
        len([t FOR t, i IN j.path IF i = 1 OR t <> j.path[i - 1]]) > $depth AS more,
        j.status
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name
        AND len(j.path) > 0
        AND ($segment IS NULL OR coalesce(j.segment, '(no segment)') = $segment)
        AND ($period IS NULL OR j.period = $period)
),
cut AS (
    SELECT drawn, more, status, count(*) AS journeys
    FROM scope
    GROUP BY drawn, more, status
),
ranked AS (
    SELECT
        drawn,
        more,
        sum(journeys) AS journeys,
        sum(sum(journeys)) OVER (
            ORDER BY sum(journeys) DESC, array_to_string(drawn, chr(31)), more
            ROWS UNBOUNDED PRECEDING
        ) - sum(journeys) AS before,
        sum(sum(journeys)) OVER () AS total
    FROM cut
    GROUP BY drawn, more
),
top AS (
    SELECT drawn, more FROM ranked WHERE before < $coverage * total
),
prefixes AS (
    SELECT DISTINCT k, t.drawn[1:k] AS prefix
    FROM top AS t, range(1, len(t.drawn) + 1) AS r (k)
),
reach AS (
    SELECT c.drawn, c.more, max(p.k) AS shown
    FROM (SELECT DISTINCT drawn, more FROM cut) AS c
    INNER JOIN prefixes AS p ON p.k <= len(c.drawn) AND p.prefix = c.drawn[1:p.k]
    GROUP BY c.drawn, c.more
),
flows AS (
    SELECT
        c.drawn,
        c.more,
        c.status,
        c.journeys,
        t.drawn IS NOT NULL AS is_top,
        CASE WHEN t.drawn IS NOT NULL THEN len(c.drawn) ELSE coalesce(r.shown, 0) END AS shown
    FROM cut AS c
    LEFT JOIN top AS t ON c.drawn = t.drawn AND c.more = t.more
    LEFT JOIN reach AS r ON c.drawn = r.drawn AND c.more = r.more
),
steps AS (
    SELECT
        k - 1 AS source_position,
        CASE WHEN k > 1 THEN f.drawn[k - 1] END AS source_touchpoint,
        'step' AS target,
        k AS target_position,
        f.drawn[k] AS target_touchpoint,
        CAST(NULL AS VARCHAR) AS status,
        f.journeys
    FROM flows AS f, range(1, f.shown + 1) AS r (k)
),
leaving AS (
    SELECT
        f.shown AS source_position,
        CASE WHEN f.shown > 0 THEN f.drawn[f.shown] END AS source_touchpoint,
        CASE WHEN NOT f.is_top THEN 'other' WHEN f.more THEN 'more' ELSE 'end' END AS target,
        CAST(NULL AS BIGINT) AS target_position,
        CAST(NULL AS VARCHAR) AS target_touchpoint,
        CASE WHEN f.is_top AND NOT f.more THEN f.status END AS status,
        f.journeys
    FROM flows AS f
)
SELECT
    source_position,
    source_touchpoint,
    target,
    target_position,
    target_touchpoint,
    status,
    sum(journeys)::BIGINT AS journeys
FROM (SELECT * FROM steps UNION ALL SELECT * FROM leaving)
GROUP BY ALL
ORDER BY source_position, source_touchpoint NULLS FIRST, target, target_touchpoint, status
