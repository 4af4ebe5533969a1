-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
WITH pairs AS (
    SELECT
        touchpoint AS from_touchpoint,
        next_touchpoint AS to_touchpoint,
        journey_id,
        customer_key,
        seconds_to_next
    FROM marts.events
    WHERE next_touchpoint IS NOT NULL
),

per_journey AS (
    SELECT from_touchpoint, to_touchpoint, journey_id, any_value(customer_key) AS customer_key
    FROM pairs
    GROUP BY ALL
),

counts AS (
    SELECT
        from_touchpoint,
        to_touchpoint,
        count(*) AS journeys,
        count(DISTINCT customer_key) AS customers
    FROM per_journey
    GROUP BY ALL
),

times AS (
    SELECT
        from_touchpoint,
        to_touchpoint,
        count(*) AS transitions,
        -- both quantiles from one sort of the pair's times
        quantile_cont(seconds_to_next, [0.5, 0.9]) AS quantiles
    FROM pairs
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
JOIN counts AS c USING (from_touchpoint, to_touchpoint)
ORDER BY t.transitions DESC, t.from_touchpoint, t.to_touchpoint
