-- grain: one row per journey of marts.journeys, with its status at the cut-off
-- (intermediate.int_path_cutoff):
--   completed   it reached one of $end_touchpoints (a journey ends after one, or after the
--               threads open at it close: marts/events.sql; an imported case: its last
--               touchpoint is one); with none configured, when more than the horizon has passed
--               between its last event and the cut-off
--   in_flight   not completed, and its last event is within the horizon of the cut-off
--               (cut-off - ended_at <= $horizon_seconds: one more event could still join it)
--   abandoned   otherwise: the horizon passed without reaching an end touchpoint
-- An imported case (is_case) is a finished case of a historical log: completed. Only a case of
-- a live extract (intermediate.int_case_horizons, import-log --open-cases-horizon) follows the
-- rules above, with the extract's horizon in place of $horizon_seconds.
SELECT
    j.journey_id,
    CASE
        WHEN j.is_case AND h.case_id IS NULL THEN 'completed'
        WHEN list_contains($end_touchpoints::VARCHAR[], j.last_touchpoint)
            OR (NOT j.is_case AND list_has_any(j.path, $end_touchpoints::VARCHAR[])) THEN 'completed'
        WHEN epoch_us(c.cutoff_at) - epoch_us(j.ended_at)
            <= coalesce(h.open_cases_horizon_seconds, $horizon_seconds)::BIGINT * 1000000
            THEN 'in_flight'
        WHEN len($end_touchpoints::VARCHAR[]) = 0 THEN 'completed'
        ELSE 'abandoned'
    END AS status
FROM marts.journeys AS j
CROSS JOIN intermediate.int_path_cutoff AS c
LEFT JOIN intermediate.int_case_horizons AS h ON j.is_case AND h.case_id = j.journey_id
