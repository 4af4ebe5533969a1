-- grain: one stretch of records that lie on line (record number + _offset) of the delivered
-- file, from record _rec on (ingest/records.py: blank lines, lines kept apart and records over
-- several lines move the records after them).
select
    unnest(cast($recs as bigint[])) as _rec,
    unnest(cast($offsets as bigint[])) as _offset
