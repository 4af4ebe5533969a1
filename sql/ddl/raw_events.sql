-- Raw layer: the events' tables, every delivered row as text with load metadata (the other raw
-- tables are in raw.sql). Idempotent: safe to run on every load.
-- Compression: the ids, the keys and the timestamps as delivered are (nearly) unique text, which
-- DuckDB's automatic choice (dictionary + FSST) spends most of an insert analysing for little
-- gain; zstd writes them about twice as fast at about the same size (raw.web's event_id,
-- 2,000,000 rows: 0.22 -> 0.10 s, 23 -> 26 MB; occurred_at 0.23 -> 0.12 s, 24 -> 20 MB) and
-- reads them as fast. The inserts of raw.web / raw.transactions / raw.support: -24 / -19 / -16 %.
-- Columns of few values (types, channels, batch ids) keep the automatic choice: zstd makes them
-- up to ten times larger and slower to read.
-- _key: the duplicate key (the event_id trimmed), stored only where it differs from event_id,
-- else NULL (ingest/append_events.sql); the key is coalesce(_key, event_id).
-- _key_hash: DuckDB's hash() of the duplicate key (ingest/mark_landing.sql). A delivered file's
-- keys are looked up in every earlier row of its source (ingest/landing_dups.sql) by this
-- number first, the texts only of the rows whose number matches: scanning and hashing every
-- stored key text cost 1.5-2.5 s a file at 68M rows of raw.web. The engine's hash() is checked
-- when the work file opens (publish._check_format); the hashes are written again if it changed.
-- The linter cannot parse USING COMPRESSION: each statement is marked noqa PRS, and an unparsable
-- statement hides the rest of its file from the linter, so this file holds these tables alone.
create table if not exists raw.transactions (  -- noqa: PRS
    event_id varchar using compression zstd,
    customer_id varchar, order_id varchar, event_type varchar,
    occurred_at varchar using compression zstd,
    amount varchar, currency varchar, occurred_at_utc timestamptz,
    amount_value double,   -- amount read with the source's decimal separator (`decimal:`)
    no_customer_id boolean,  -- empty or a placeholder (0, guest): a guest checkout
    amount_currency varchar,  -- the currency the amount names itself (19,90 €), if one
    attributes json,
    _key varchar using compression zstd,
    _key_hash ubigint,
    _batch_id varchar,
    _file varchar,
    _row_number bigint,
    _seq bigint,
    _loaded_at timestamptz, _is_duplicate boolean, _is_late boolean
);
create table if not exists raw.web (  -- noqa: PRS
    event_id varchar using compression zstd,
    anonymous_id varchar, user_id varchar, event_type varchar,
    occurred_at varchar using compression zstd,
    page_path varchar, referrer varchar, device varchar,
    order_id varchar,  -- the order a purchase event made (links the visitor to its buyer)
    occurred_at_utc timestamptz,
    no_anonymous_id boolean, no_user_id boolean,  -- empty or a placeholder (undefined, null)
    attributes json,
    _key varchar using compression zstd,
    _key_hash ubigint,
    _batch_id varchar,
    _file varchar,
    _row_number bigint,
    _seq bigint,
    _loaded_at timestamptz, _is_duplicate boolean, _is_late boolean
);
create table if not exists raw.support (  -- noqa: PRS
    event_id varchar using compression zstd,
    ticket_id varchar, email varchar, phone varchar, channel varchar,
    team varchar, system varchar, category varchar, event_type varchar,
    occurred_at varchar using compression zstd,
    occurred_at_utc timestamptz,
    attributes json,
    _key varchar using compression zstd,
    _key_hash ubigint,
    _batch_id varchar,
    _file varchar,
    _row_number bigint,
    _seq bigint,
    _loaded_at timestamptz, _is_duplicate boolean, _is_late boolean
);
-- raw.log has no _key: its event_id is the key (ingest/raw_keys_log.sql), not stored twice
create table if not exists raw.log (  -- noqa: PRS
    event_id varchar, case_id varchar, activity varchar,
    occurred_at varchar using compression zstd,
    channel varchar,
    team varchar,
    occurred_at_utc timestamptz,
    attributes json,
    _key_hash ubigint,  -- the hash of event_id, its duplicate key
    _batch_id varchar,
    _file varchar,
    _row_number bigint,
    _seq bigint,
    _loaded_at timestamptz, _is_duplicate boolean, _is_late boolean
);
