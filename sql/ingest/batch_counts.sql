-- grain: one row, the reconciliation counts of the file in landing_marked.
select
    count(*) as parsed,
    count(*) filter (where not _valid) as invalid,
    count(*) filter (where _is_duplicate) as duplicates,
    count(*) filter (where _valid and not _is_duplicate and _is_late) as late_events
from landing_marked
