-- grain: one value, the newest accepted event time among this source's earlier batches
-- (raw_keys is a view on raw.<source>). An event older than this arrives late: out of order for
-- its source. NULL for the first batch of a source.
select max(occurred_at_utc) as watermark from raw_keys
where not _is_duplicate
