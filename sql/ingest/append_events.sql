-- grain: one delivered row of a transactions, web or support file (landing_marked), as appended
-- to raw.<source>: _key, the trimmed event id the duplicates are found by, is kept only where it
-- differs from the event_id as delivered (spaces around it), else NULL. raw_keys_events.sql reads
-- coalesce(_key, event_id). Nearly every row's key is its event_id, and storing the same unique
-- text twice took a sixth of the insert (raw.web of 6.8M rows 5.0 -> 4.3 s, 301 -> 226 MiB).
select * replace (nullif(_key, event_id) as _key)
from landing_marked
