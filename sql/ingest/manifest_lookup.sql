-- grain: one earlier batch that loaded the same file path and content (the file is already
-- loaded). A batch that refused the file does not count: a refused file is tried again. Nor does
-- a batch whose every row was rejected (every timestamp in a layout not given yet,
-- every amount with a decimal comma): the file is read again, e.g. with --date-format or the
-- source's decimal setting, and the new batch supersedes it (ingest/supersede_batches.sql: its
-- rejects are dropped, its note starts 'superseded: ').
select
    batch_id,
    loaded_at
from raw.manifest
where
    file = $file and content_hash = $content_hash
    and not starts_with(coalesce(note, ''), 'refused: ')
    and not starts_with(coalesce(note, ''), 'superseded: ')
    and not journeys_every_row_rejected(rows_accepted, duplicates, rows_rejected)
