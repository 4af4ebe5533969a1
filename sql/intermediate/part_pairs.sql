-- grain: one directly-follows pair (from_touchpoint, to_touchpoint) of one customer partition's
-- marts.events, with how many times it occurs there (marts.transitions adds them up).
SELECT
    touchpoint AS from_touchpoint,
    next_touchpoint AS to_touchpoint,
    count(*) AS transitions
FROM marts.events
WHERE next_touchpoint IS NOT NULL
GROUP BY ALL
