-- The raw tables' _key_hash written again with this engine's hash() (publish._rehash_raw_keys,
-- which then records the hash of its probe in raw.warehouse_format, in the same transaction): a
-- DuckDB whose hash() gives other numbers than the one that wrote them would find no key
-- delivered before (ingest/landing_key_hits).
update raw.transactions set _key_hash = hash(coalesce(_key, event_id));
update raw.web set _key_hash = hash(coalesce(_key, event_id));
update raw.support set _key_hash = hash(coalesce(_key, event_id));
update raw.log set _key_hash = hash(event_id);
update raw.customers set _key_hash = hash(_key);
