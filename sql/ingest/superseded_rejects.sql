-- The rejects of the batches that batch $batch_id supersedes (ingest/supersede_batches.sql,
-- run right after this): the rows are that batch's now, accepted or rejected with its reasons.
delete from raw.rejects
where batch_id in (
    select m.batch_id
    from raw.manifest as m
    where
        m.file = $file and m.content_hash = $content_hash and m.batch_id <> $batch_id
        and journeys_every_row_rejected(m.rows_accepted, m.duplicates, m.rows_rejected)
)
