-- grain: one event of marts.events on a step of one map ($steps, the step names in file order),
-- of the journeys with ids from $first to $last (every journey when $first is NULL):
-- compare.timing reads the events in journey-id ranges, one range per pass.
-- step_code is the step's 0-based index in $steps (a small integer is cheaper to read than the
-- name). The rows come in the table's order: each journey's events mostly together, in order.
select
    e.journey_id,
    e.step_index,
    (list_position($steps::varchar[], e.touchpoint) - 1)::usmallint as step_code,
    e.occurred_at,
    e.channel
from marts.events as e
where
    list_contains($steps::varchar[], e.touchpoint)
    and ($first is null or e.journey_id between $first and $last)
