-- The work file's catalog of stored tables (ADR 0004): one row per table the warehouse keeps as
-- Parquet files in its data folder (every marts table, intermediate.int_events and
-- int_customer_profiles, the published raw.rejects); its view reads the files in list order.
-- Idempotent: run when a writer opens the work file.
CREATE TABLE IF NOT EXISTS raw.data_files (
    table_name VARCHAR PRIMARY KEY,   -- schema.name of the stored table (its view)
    files      VARCHAR[] NOT NULL,    -- absolute paths of its Parquet files
    rows       BIGINT[] NOT NULL,     -- the rows of each file
    parts      INTEGER[] NOT NULL,    -- the customer-hash partition each holds (NULL: any)
    labels     VARCHAR[] NOT NULL     -- the one key value each file's rows have (a map), if known
);
-- The files of the published catalogs whose readers may still read them (generation 1, 2, ...):
-- the previous one, and any published in the last hour (publish.KEEP_PUBLISHED_SECONDS); every
-- file no catalog lists is garbage.
CREATE TABLE IF NOT EXISTS raw.published_files (
    generation   INTEGER NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    file         VARCHAR NOT NULL
);
