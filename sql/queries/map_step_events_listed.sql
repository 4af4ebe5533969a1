-- grain: one event of marts.events on a step of one map ($steps, the step names in file order),
-- of the journeys listed in intermediate.compare_changed: the journeys a micro-batch changed,
-- whose step timing compare reads again (compare.timing with listed=True). Columns as
-- queries/map_step_events.sql.
select
    e.journey_id,
    e.step_index,
    (list_position($steps::varchar[], e.touchpoint) - 1)::usmallint as step_code,
    e.occurred_at,
    e.channel
from marts.events as e
semi join intermediate.compare_changed as c on e.journey_id = c.journey_id
where list_contains($steps::varchar[], e.touchpoint)
