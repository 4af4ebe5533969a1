-- grain: one earlier batch that refused the same file path and content for the same reason
-- (the refusal is recorded once, however often the file is tried again).
select batch_id
from raw.manifest
where file = $file and content_hash = $content_hash and note = $note
