-- grain: one row per touchpoint.
-- events: its events; journeys / customers: distinct journeys / customers with it;
-- starts / ends: journeys whose first / last step it is.
WITH per_journey AS (
    SELECT
        touchpoint,
        journey_id,
        any_value(customer_key) AS customer_key,
        count(*) AS events,
        bool_or(step_index = 1) AS is_start,
        bool_or(next_touchpoint IS NULL) AS is_end
    FROM marts.events
    GROUP BY touchpoint, journey_id
)

SELECT
    touchpoint,
    sum(events)::BIGINT AS events,
    count(*) AS journeys,
    count(DISTINCT customer_key) AS customers,
    count(*) FILTER (WHERE is_start) AS starts,
    count(*) FILTER (WHERE is_end) AS ends
FROM per_journey
GROUP BY touchpoint
ORDER BY events DESC, touchpoint
