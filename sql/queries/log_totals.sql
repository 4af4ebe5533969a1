-- grain: one row, the imported log's events (duplicates left out), cases and activities over
-- every import: a batch of a live extract adds events to cases it does not hold whole, so one
-- batch alone can hold one event per case and say nothing of the named columns.
select
    count(*) as events,
    count(distinct case_id) as cases,
    count(distinct trim(activity)) as activities
from raw.log
where not _is_duplicate
