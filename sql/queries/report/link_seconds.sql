-- grain: one (view, pos, from_touchpoint, to_touchpoint) link a Sankey of a map draws, with the
-- median seconds between the two steps over the journeys that view shows and whose drawn steps
-- (the first `shown` of their path) reach the link.
-- The drawn paths arrive as parallel lists, one element per (view, segment, month, path):
-- $view, $segment, $month, $key (the path joined by $sep) and $shown.
-- $ignored, $steps: the map's scope, as in journey_groups.sql. Journeys are sampled by a hash
-- of journey_id: kept when hash % $modulus < $kept (all of them when $kept = $modulus).
WITH shown AS (
    SELECT
        unnest($view::BIGINT[]) AS view,
        unnest($segment::VARCHAR[]) AS segment,
        unnest($month::TIMESTAMPTZ[]) AS month,
        unnest($key::VARCHAR[]) AS key,
        unnest($shown::BIGINT[]) AS shown
),
scoped AS (
    SELECT
        j.journey_id,
        list_filter(j.path, lambda t: NOT list_contains($ignored::VARCHAR[], t)) AS path,
        j.segment::VARCHAR AS segment,
        date_trunc('month', j.started_at) AS started_at
    FROM marts.journeys AS j
    WHERE hash(j.journey_id) % $modulus < $kept
),
drawn AS (
    SELECT j.journey_id, s.view, s.shown
    FROM scoped AS j
    INNER JOIN shown AS s
        ON array_to_string(j.path, $sep) = s.key
        AND j.segment IS NOT DISTINCT FROM s.segment
        AND j.started_at IS NOT DISTINCT FROM s.month
    WHERE list_has_any(j.path, $steps::VARCHAR[])
),
events AS (
    SELECT e.journey_id, e.step_index, e.touchpoint, e.occurred_at
    FROM marts.events AS e
    WHERE NOT list_contains($ignored::VARCHAR[], e.touchpoint)
        AND e.journey_id IN (SELECT d.journey_id FROM drawn AS d)
),
steps AS (
    SELECT
        journey_id,
        row_number() OVER w AS pos,
        lag(touchpoint) OVER w AS from_touchpoint,
        touchpoint AS to_touchpoint,
        (epoch_us(occurred_at) - epoch_us(lag(occurred_at) OVER w)) // 1000 AS ms
    FROM events
    WINDOW w AS (PARTITION BY journey_id ORDER BY step_index)
)
SELECT
    d.view::BIGINT AS view,
    s.pos::BIGINT AS pos,
    s.from_touchpoint::VARCHAR AS from_touchpoint,
    s.to_touchpoint::VARCHAR AS to_touchpoint,
    median(s.ms / 1000.0)::DOUBLE AS median_seconds
FROM steps AS s
INNER JOIN drawn AS d
    ON s.journey_id = d.journey_id AND s.pos >= 2 AND s.pos <= d.shown
GROUP BY ALL
ORDER BY ALL
