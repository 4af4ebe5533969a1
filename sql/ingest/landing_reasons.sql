-- grain: one reason a checked row of an event log was rejected, with its rows (NULL: the rows
-- accepted), before anything of the file is appended (ingest/logreading.py: check_day_month).
select
    _reason,
    count(*) as n_rows
from landing_checked
group by _reason
