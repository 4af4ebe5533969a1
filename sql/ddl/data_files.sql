-- The work file's catalog of stored tables (ADR 0004): one row per Parquet file of a table the
-- warehouse keeps in its data folder (every marts table, intermediate.int_events); each table's
-- view reads its files in position order. Idempotent: run when a writer opens the work file.
CREATE TABLE IF NOT EXISTS raw.data_files (
    table_name VARCHAR NOT NULL,   -- schema.name of the stored table (its view)
    file       VARCHAR NOT NULL,   -- absolute path of the Parquet file
    rows       BIGINT NOT NULL,
    position   INTEGER NOT NULL,    -- the order the view reads the files in
    part       INTEGER,             -- the customer-hash partition the file holds (NULL: all)
    label      VARCHAR              -- the one key value its rows have (a map's name), if known
);
-- The files of the published catalogs whose readers may still read them (generation 1, 2, ...):
-- the previous one, and any published in the last hour (publish.KEEP_PUBLISHED_SECONDS); every
-- file no catalog lists is garbage.
CREATE TABLE IF NOT EXISTS raw.published_files (
    generation   INTEGER NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    file         VARCHAR NOT NULL
);
