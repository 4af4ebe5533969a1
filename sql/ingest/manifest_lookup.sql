-- grain: one earlier batch of the same file path and content (the file is already loaded).
SELECT batch_id, loaded_at FROM raw.manifest WHERE file = $file AND content_hash = $content_hash
