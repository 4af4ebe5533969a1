-- grain: one lifecycle transition of an event log's checked rows (as validate_log reads it),
-- the most rows first: a log none of whose rows is complete names its own (ingest/load.py).
select nullif(lower(journeys_trim(attributes ->> $lifecycle_path)), '') as transition
from landing_checked
group by transition
order by count(*) desc, transition
