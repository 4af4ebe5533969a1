-- grain: one journey of marts.journeys, with the columns its comparison depends on ($columns:
-- journey_id and the fingerprint columns marts.journeys has, compare/state.py): compare's
-- snapshot, taken in the warehouse. With $only_changed, only the journeys listed in
-- intermediate.compare_changed (a micro-batch's, appended after their old rows are deleted).
select columns(lambda c: list_contains($columns::varchar[], c))
from marts.journeys
where
    not $only_changed
    or journey_id in (select c.journey_id from intermediate.compare_changed as c)
