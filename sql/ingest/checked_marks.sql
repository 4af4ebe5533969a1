-- grain: one checked row of a file (landing_checked) with whether it is valid, as the reject
-- text models read landing_marked: a job checking a file alone turns only its invalid rows
-- back into their delivered text (ingest/jobs.py).
select
    _line,
    _rowid,
    _reason is null as _valid
from landing_checked
