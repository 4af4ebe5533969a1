-- grain: one row, how many checked rows of an event log are of another lifecycle transition
-- than complete (validate_log marks them; ingest/load.py drops them).
select count(*) as left_out
from landing_checked
where _left_out
