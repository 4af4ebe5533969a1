-- grain: one stretch of records that lie on line (record number + _offset) of the delivered
-- file, from record _rec on (ingest/records.py: blank lines, lines kept apart and records over
-- several lines move the records after them).
SELECT unnest(CAST($recs AS BIGINT[])) AS _rec, unnest(CAST($offsets AS BIGINT[])) AS _offset
