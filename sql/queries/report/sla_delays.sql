-- grain: one step of the map $map_name with an SLA, with how late its late journeys were.
-- $steps: the map's steps; $within: the seconds each allows since the previous map step
-- (NULL: no SLA). As compare times them (compare/timing.py): the events of a journey in the
-- map's scope that are on a map step, in step order; a step is late when it comes more than its
-- `within` after the previous one. Per late journey its longest wait counts. breaches: late
-- journeys (= marts.map_steps.sla_breaches); median / p90: of their waits;
-- up_to_1_5x, up_to_2x, up_to_4x, over_4x: late journeys by how many times the SLA they waited.
WITH slas AS (
    SELECT unnest($steps::VARCHAR[]) AS step, unnest($within::BIGINT[]) AS within_seconds
),
events AS (
    SELECT e.journey_id, e.step_index, e.touchpoint, e.occurred_at
    FROM marts.events AS e
    INNER JOIN marts.map_journeys AS j
        ON e.journey_id = j.journey_id AND j.map_name = $map_name
    WHERE list_contains($steps::VARCHAR[], e.touchpoint)
),
waits AS (
    SELECT
        journey_id,
        touchpoint AS step,
        (epoch_ms(occurred_at) - epoch_ms(lag(occurred_at) OVER w)) / 1000.0 AS seconds
    FROM events
    WINDOW w AS (PARTITION BY journey_id ORDER BY step_index)
),
late AS (
    SELECT w.step, w.journey_id, max(w.seconds) AS seconds, any_value(s.within_seconds) AS sla
    FROM waits AS w
    INNER JOIN slas AS s ON w.step = s.step
    WHERE s.within_seconds IS NOT NULL AND w.seconds > s.within_seconds
    GROUP BY w.step, w.journey_id
)
SELECT
    s.step,
    s.within_seconds,
    count(l.journey_id) AS breaches,
    median(l.seconds) AS median_seconds,
    quantile_cont(l.seconds, 0.9) AS p90_seconds,
    count(*) FILTER (WHERE l.seconds <= 1.5 * l.sla) AS up_to_1_5x,
    count(*) FILTER (WHERE l.seconds > 1.5 * l.sla AND l.seconds <= 2 * l.sla) AS up_to_2x,
    count(*) FILTER (WHERE l.seconds > 2 * l.sla AND l.seconds <= 4 * l.sla) AS up_to_4x,
    count(*) FILTER (WHERE l.seconds > 4 * l.sla) AS over_4x
FROM slas AS s
LEFT JOIN late AS l ON s.step = l.step
WHERE s.within_seconds IS NOT NULL
GROUP BY s.step, s.within_seconds
ORDER BY s.step
