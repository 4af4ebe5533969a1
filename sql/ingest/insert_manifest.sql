-- Record one loaded file (one batch) with its reconciliation counts.
insert into raw.manifest values (
    $batch_id, $source, $file, $content_hash, $file_seq, $loaded_at,
    $rows_read, $rows_accepted, $rows_rejected, $duplicates, $late_events, $note
)
