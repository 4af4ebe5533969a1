-- grain: one row, the first and last event time of the published marts (the data's freshness).
select
    min(e.occurred_at) as first_event,
    max(e.occurred_at) as last_event
from marts.events as e
