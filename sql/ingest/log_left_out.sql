-- grain: one row: how many checked rows of an event log are of another lifecycle transition
-- than complete (validate_log marks them; ingest/load.py drops them), and how many are complete.
select
    count(*) filter (where _left_out) as left_out,
    count(*) filter (where not _left_out and _parse_error is null) as complete
from landing_checked
