-- grain: one earlier batch that loaded the same file path and content (the file is already
-- loaded). A batch that refused the file does not count: a refused file is tried again. Nor does
-- an event log's batch that accepted no row (every timestamp in a layout not given yet, say):
-- import-log reads it again, e.g. with --date-format, and the new batch supersedes it
-- (ingest/supersede_batches.sql: its rejects are dropped, its note starts 'superseded: ').
select
    batch_id,
    loaded_at
from raw.manifest
where
    file = $file and content_hash = $content_hash
    and not starts_with(coalesce(note, ''), 'refused: ')
    and not starts_with(coalesce(note, ''), 'superseded: ')
    and not (source = 'log' and rows_accepted = 0 and rows_rejected > 0)
