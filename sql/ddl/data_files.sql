-- The work file's catalog of stored tables (ADR 0004): one row per table the warehouse keeps as
-- Parquet files in its data folder (every marts table, intermediate.int_events and
-- int_customer_profiles, the published raw.rejects); its view reads the files in list order.
-- Idempotent: run when a writer opens the work file.
create table if not exists raw.data_files (
    table_name varchar primary key,  -- schema.name of the stored table (its view)
    files varchar[] not null,  -- absolute paths of its Parquet files
    rows bigint[] not null,  -- the rows of each file
    parts integer[] not null,  -- the customer-hash partition each holds (NULL: any)
    labels varchar[] not null  -- the one key value each file's rows have (a map), if known
);
-- The files of the published catalogs whose readers may still read them (generation 1, 2, ...):
-- the previous one, and any published in the last hour (publish.KEEP_PUBLISHED_SECONDS); every
-- file no catalog lists is garbage.
create table if not exists raw.published_files (
    generation integer not null,
    published_at timestamptz not null,
    file varchar not null
);
-- The work file's format (publish.WAREHOUSE_FORMAT): a file written by another version of the
-- layout is not built on (no compatibility code; the fix is a rebuild).
-- key_hash: the engine's hash() of a fixed text when the file was marked: the raw tables'
-- _key_hash columns were written with the hash() that gives it (publish._rehash_raw_keys).
create table if not exists raw.warehouse_format (
    version integer not null,
    key_hash ubigint
);
-- The scripts of sql/ddl/ this work file has run, by the SHA-256 of their text: a writer runs
-- one again only when its text changed (Warehouse.run_script(once=True)).
create table if not exists raw.ddl_scripts (
    script varchar primary key,
    sha256 varchar not null
);
-- The data folder this work file's stored tables were written in (publish.data_path). A
-- warehouse folder moved or copied with its data folder is pointed at its own copy of the files
-- (publish._check_home), so that it never reads, nor depends on, the folder it came from.
create table if not exists raw.data_home (
    one boolean primary key default true check (one),  -- a single row
    folder varchar not null
);
