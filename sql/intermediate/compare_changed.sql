-- grain: one journey this compare compares again: here every journey of marts.journeys, for a
-- compare with no snapshot to diff (compare/state.py lists the changed and stale ones itself
-- when it has one).
select j.journey_id
from marts.journeys as j
