-- grain: one earlier batch that loaded the same file path and content (the file is already
-- loaded). A batch that refused the file does not count: a refused file is tried again.
SELECT batch_id, loaded_at
FROM raw.manifest
WHERE file = $file AND content_hash = $content_hash
    AND NOT starts_with(coalesce(note, ''), 'refused: ')
