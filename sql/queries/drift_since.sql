-- grain: one drift event of marts.map_drift whose period ended less than $seconds before the
-- newest event of marts.journeys (`journeys drift --since`), newest period first, then the most
-- significant.
WITH newest AS (
    SELECT max(ended_at) AS at FROM marts.journeys
)

SELECT d.*
FROM marts.map_drift AS d
CROSS JOIN newest AS n
WHERE d.period + CASE WHEN d.grain = 'day' THEN INTERVAL 1 DAY ELSE INTERVAL 7 DAY END
    > n.at - to_seconds(CAST($seconds AS BIGINT))
ORDER BY d.period DESC, d.q_value, d.map_name, d.gap_id, d.measure
