-- grain: one delivered row, valid or not, with its final reason (a JSON parse error comes
-- first), its arrival order (_seq: the file's, then the line's, then a row's milestones' in
-- their order, ingest/milestones.sql), whether its key was already delivered (_is_duplicate:
-- earlier in this file or in an earlier batch) and whether it is late (_is_late: older than the
-- newest event of earlier batches). A view (ingest/load.py): the checked rows are read where
-- they are (landing_checked), with the batch (landing_batch, one row) and the few duplicate
-- keys (landing_dups), not copied into another table of every row.
select
    c.* replace (coalesce(c._parse_error, c._reason) as _reason),
    coalesce(c._parse_error, c._reason) is null as _valid,
    c._line as _row_number,
    hash(c._key) as _key_hash,  -- what the next files' keys are looked up by (landing_dups)
    b.file_seq * 1000000000 + coalesce(c._order, c._line) as _seq,
    b.batch_id as _batch_id,
    b.file as _file,
    b.loaded_at as _loaded_at,
    coalesce(c._parse_error, c._reason) is null
    and (
        coalesce(d.delivered_before, false) or coalesce(c._line > d.first_line, false)
    ) as _is_duplicate,
    coalesce(c._parse_error, c._reason) is null
    and coalesce(c.occurred_at_utc < b.watermark, false) as _is_late
from landing_checked as c
cross join landing_batch as b
left join landing_dups as d on c._key = d._key
