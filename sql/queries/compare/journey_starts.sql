-- grain: one journey of marts.journeys, every one changed (a compare with no snapshot to diff):
-- journey_id, and started_at when there is one (compare/state.py).
select
    'changed' as side,
    columns(lambda c: c in ('journey_id', 'started_at'))
from marts.journeys
