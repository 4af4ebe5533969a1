-- grain: one row, the batch a file is loaded as: its arrival number, id, file, load time and the
-- watermark (the newest accepted event of the source's earlier batches; NULL for its first),
-- which ingest/mark_landing reads (a view takes no parameters).
select
    cast($file_seq as bigint) as file_seq,
    cast($batch_id as varchar) as batch_id,
    cast($file as varchar) as file,
    cast($loaded_at as timestamptz) as loaded_at,
    cast($watermark as timestamptz) as watermark
