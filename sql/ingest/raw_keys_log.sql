-- grain: one row of raw.log, with its duplicate key (_key) and its hash, its instant and whether
-- it was a duplicate: what ingest/landing_dups and ingest/watermark read as raw_keys. raw.log
-- keeps the key once, as event_id (the log's own id or the content key: validate_log.sql), not a
-- second time as _key like the other sources.
select
    event_id as _key,
    _key_hash,
    occurred_at_utc,
    _is_duplicate
from raw.log
