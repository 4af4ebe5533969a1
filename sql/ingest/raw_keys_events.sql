-- grain: one row of raw.<source> (raw_source, a view on raw.transactions, raw.web or
-- raw.support), with its duplicate key (_key) and its hash, its instant and whether it was a
-- duplicate: what ingest/landing_dups and ingest/watermark read as raw_keys. The key is stored
-- only where it differs from the event_id (ingest/append_events.sql).
select
    coalesce(_key, event_id) as _key,
    _key_hash,
    occurred_at_utc,
    _is_duplicate
from raw_source
