-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
WITH times AS (
    SELECT
        touchpoint AS from_touchpoint,
        next_touchpoint AS to_touchpoint,
        count(*) AS transitions,
        -- both quantiles from one sort of the pair's times
        quantile_cont(seconds_to_next, [0.5, 0.9]) AS quantiles
    FROM marts.events
    WHERE next_touchpoint IS NOT NULL
    GROUP BY ALL
)

SELECT
    t.from_touchpoint,
    t.to_touchpoint,
    t.transitions,
    c.journeys,
    c.customers,
    t.quantiles[1] AS median_seconds,
    t.quantiles[2] AS p90_seconds
FROM times AS t
-- Distinct journeys and customers per pair come from the paths of marts.variants (a journey's
-- touchpoints in step order: the same consecutive pairs as next_touchpoint), one variant at a
-- time, which is far cheaper than de-duplicating (pair, journey) over all the events.
JOIN intermediate.int_subpath_counts AS c ON c.subpath = [t.from_touchpoint, t.to_touchpoint]
ORDER BY t.transitions DESC, t.from_touchpoint, t.to_touchpoint
