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
select
    j.journey_id,
    case
        when j.is_case and h.case_id is null then 'completed'
        when
            list_contains($end_touchpoints::varchar[], j.last_touchpoint)
            or (not j.is_case and list_has_any(j.path, $end_touchpoints::varchar[]))
            then 'completed'
        when
            epoch_us(c.cutoff_at) - epoch_us(j.ended_at)
            <= coalesce(h.open_cases_horizon_seconds, $horizon_seconds)::bigint * 1000000
            then 'in_flight'
        when len($end_touchpoints::varchar[]) = 0 then 'completed'
        else 'abandoned'
    end as status
from marts.journeys as j
cross join intermediate.int_path_cutoff as c
left join intermediate.int_case_horizons as h on j.is_case and j.journey_id = h.case_id
