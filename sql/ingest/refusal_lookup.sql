-- grain: one earlier batch that refused the same file path and content for the same reason
-- (the refusal is recorded once, however often the file is tried again).
SELECT batch_id FROM raw.manifest WHERE file = $file AND content_hash = $content_hash AND note = $note
