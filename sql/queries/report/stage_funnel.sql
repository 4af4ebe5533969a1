-- grain: one stage of the map $map_name, in the map's order: the funnel by stage.
-- $steps: the map's steps; $stage_index: each step's stage (1 = the first stage), so
-- alternatives of one stage count once. From the events of marts.events on map steps of the
-- journeys in the map's scope (marts.map_journeys), in step order:
-- reached: journeys with a step of the stage; share: of the journeys in scope (never above 1);
-- came_from_previous: journeys that reached the previous stage, moved_on: of those, the ones
-- with a step of this stage after their first step of the previous one (conversion =
-- moved_on / came_from_previous); median_seconds: from that first step of the previous stage
-- to their next step of this stage.
WITH stages AS (
    SELECT unnest($steps::VARCHAR[]) AS step, unnest($stage_index::BIGINT[]) AS stage_index
),
scope AS (
    SELECT count(*) AS journeys
    FROM marts.map_journeys AS j
    WHERE j.map_name = $map_name
),
events AS (
    SELECT e.journey_id, s.stage_index, e.step_index, e.occurred_at
    FROM marts.events AS e
    INNER JOIN marts.map_journeys AS j
        ON e.journey_id = j.journey_id AND j.map_name = $map_name
    INNER JOIN stages AS s ON e.touchpoint = s.step
),
firsts AS (
    SELECT journey_id, stage_index, min(step_index) AS step_index,
        arg_min(occurred_at, step_index) AS occurred_at
    FROM events
    GROUP BY journey_id, stage_index
),
moves AS (
    SELECT
        f.journey_id,
        f.stage_index + 1 AS stage_index,
        min(e.step_index) IS NOT NULL AS moved_on,
        (epoch_ms(arg_min(e.occurred_at, e.step_index)) - epoch_ms(f.occurred_at)) / 1000.0
            AS seconds
    FROM firsts AS f
    LEFT JOIN events AS e
        ON f.journey_id = e.journey_id
        AND e.stage_index = f.stage_index + 1
        AND e.step_index > f.step_index
    GROUP BY f.journey_id, f.stage_index, f.occurred_at
),
reached AS (
    SELECT stage_index, count(*) AS reached
    FROM firsts
    GROUP BY stage_index
),
moved AS (
    SELECT
        stage_index,
        count(*) AS came_from_previous,
        count(*) FILTER (WHERE moved_on) AS moved_on,
        median(seconds) AS median_seconds
    FROM moves
    GROUP BY stage_index
)
SELECT
    i AS stage_index,
    coalesce(r.reached, 0) AS reached,
    coalesce(r.reached, 0) / nullif(any_value(sc.journeys), 0) AS share,
    CASE WHEN i > 1 THEN coalesce(m.came_from_previous, 0) END AS came_from_previous,
    CASE WHEN i > 1 THEN coalesce(m.moved_on, 0) END AS moved_on,
    CASE WHEN i > 1 THEN m.median_seconds END AS median_seconds
FROM (SELECT DISTINCT stage_index AS i FROM stages) AS st
CROSS JOIN scope AS sc
LEFT JOIN reached AS r ON st.i = r.stage_index
LEFT JOIN moved AS m ON st.i = m.stage_index
GROUP BY i, r.reached, m.came_from_previous, m.moved_on, m.median_seconds
ORDER BY i
