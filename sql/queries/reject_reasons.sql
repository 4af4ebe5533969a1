-- grain: one reason the rows of load batch $batch_id were rejected for, most rows first
-- (import-log's and ingest's summaries name them).
select
    reason,
    count(*) as n_rows
from raw.rejects
where batch_id = $batch_id
group by reason
order by n_rows desc, reason asc
