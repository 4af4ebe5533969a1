-- grain: one earlier batch that loaded the same file path and content (the file is already
-- loaded). A batch that refused the file does not count: a refused file is tried again.
select
    batch_id,
    loaded_at
from raw.manifest
where
    file = $file and content_hash = $content_hash
    and not starts_with(coalesce(note, ''), 'refused: ')
