-- The earlier batches of the same file and content whose every row was rejected
-- (every timestamp in a layout not given yet, every amount with a decimal comma) are superseded
-- by batch $batch_id, which read the file again: their rejects have left raw.rejects
-- (ingest/superseded_rejects.sql) and their rejected rows count 0, the note saying what they
-- were. A refused read supersedes nothing (ingest/load.py). So no row is counted twice in
-- raw.rejects or marts.data_quality, and rows_read = rows_accepted + rows_rejected + duplicates
-- still holds for every batch. (The same condition as manifest_lookup's retry: a superseded
-- batch, with no rejected row left, is never taken for the file's load.)
update raw.manifest
set
    note = 'superseded: read again in batch ' || $batch_id || ', which holds its rows (this '
    || 'read rejected all ' || rows_rejected || ' of them)',
    rows_read = 0,
    rows_rejected = 0
where
    file = $file and content_hash = $content_hash and batch_id <> $batch_id
    and journeys_every_row_rejected(rows_accepted, duplicates, rows_rejected)
