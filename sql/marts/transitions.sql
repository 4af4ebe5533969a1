-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
-- Counts come from each customer partition (intermediate.part_pairs) added up, the quantiles from
-- intermediate.int_pair_times, the distinct journeys and customers from
-- intermediate.int_subpath_counts.
WITH pairs AS (
    SELECT from_touchpoint, to_touchpoint, sum(transitions)::BIGINT AS transitions
    FROM intermediate.part_pairs
    GROUP BY ALL
)

SELECT
    p.from_touchpoint,
    p.to_touchpoint,
    p.transitions,
    c.journeys,
    c.customers,
    t.quantiles[1] AS median_seconds,
    t.quantiles[2] AS p90_seconds
FROM pairs AS p
JOIN intermediate.int_pair_times AS t USING (from_touchpoint, to_touchpoint)
JOIN intermediate.int_subpath_counts AS c ON c.subpath = [p.from_touchpoint, p.to_touchpoint]
ORDER BY p.transitions DESC, p.from_touchpoint, p.to_touchpoint
