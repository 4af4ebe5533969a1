-- Raw layer: every delivered row as text, with load metadata; raw.rejects keeps every bad row.
-- The events' tables (raw.transactions, raw.web, raw.support, raw.log) are in raw_events.sql.
-- Idempotent: safe to run on every load.
create table if not exists raw.manifest (
    batch_id varchar primary key,   -- one batch per loaded file
    source varchar not null,
    file varchar not null,      -- absolute path as loaded
    content_hash varchar not null,      -- sha256 of the bytes
    file_seq bigint not null,      -- arrival order of files; seq = file_seq * 1e9 + row
    loaded_at timestamptz not null,
    rows_read bigint not null,
    rows_accepted bigint not null,
    rows_rejected bigint not null,
    duplicates bigint not null,
    late_events bigint not null,
    note varchar
);
create table if not exists raw.rejects (
    batch_id varchar not null,
    source varchar not null,
    file varchar not null,
    row_number bigint,                   -- line in the file (header = line 1); JSONL: line
    raw varchar,                  -- the row as delivered (CSV/JSONL line, or JSON of its fields)
    reason varchar not null
);
create table if not exists raw.builds (
    build_id varchar primary key,
    built_at timestamptz not null,
    max_file_seq bigint not null,
    full_rebuild boolean not null
);
-- The inputs of the last finished build (journeys/build.py): the files loaded, the settings, the
-- maps and the code as one fingerprint, with the build's headline counts. A build of the same
-- inputs would change nothing: it records itself and reports these. Emptied when a build starts,
-- so a build that stopped half-way is never taken for a finished one.
-- The inputs of a build step that runs again only when they change (journeys/build.py): the
-- phone numbers are parsed again only when customer or support files, the settings or the code
-- changed. One fingerprint per step.
create table if not exists raw.step_inputs (
    step varchar primary key,
    fingerprint varchar not null
);
create table if not exists raw.build_inputs (
    fingerprint varchar not null,
    events bigint not null,
    customers bigint not null,
    stitched_customers bigint not null,
    unstitched_events bigint not null,
    unmapped_events bigint not null,
    skipped_events bigint not null,
    journeys bigint not null
);
create table if not exists raw.customers (
    customer_id varchar, email varchar, phone varchar, segment varchar, created_at varchar,
    attributes json,
    _key varchar,
    _key_hash ubigint,  -- hash(_key): raw_events.sql
    _batch_id varchar,
    _file varchar,
    _row_number bigint,
    _seq bigint,
    _loaded_at timestamptz, _is_duplicate boolean, _is_late boolean
);
-- One row per import-log batch: how the log was read (the staging model reads the choices).
create table if not exists raw.log_imports (
    batch_id varchar primary key,
    file varchar not null,   -- the delivered file (an XES or OCEL log, not its conversion)
    format varchar not null,   -- csv, parquet, jsonl, xes or ocel
    lifecycle varchar,   -- complete or all: XES, or a log with a transition column (NULL: none)
    object_type varchar,            -- OCEL: the object type each case is an object of
    timezone varchar,            -- of naive timestamps
    date_format varchar,   -- --date-format: the strptime layout of the timestamps (NULL: ISO-8601)
    encoding varchar,   -- CSV/JSONL: the text encoding it was read in (NULL: XES, OCEL, Parquet)
    personal_case_ids boolean not null,   -- --personal-case-ids: hash every case id
    left_out bigint not null,    -- events of other lifecycle transitions not loaded
    open_cases_horizon_seconds bigint     -- --open-cases-horizon: a live extract, its recent
-- cases may be in flight; NULL: historical, all completed
);
