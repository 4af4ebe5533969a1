-- Raw layer: every delivered row as text, with load metadata; raw.rejects keeps every bad row.
-- Idempotent: safe to run on every load.
CREATE TABLE IF NOT EXISTS raw.manifest (
    batch_id      VARCHAR PRIMARY KEY,   -- one batch per loaded file
    source        VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,      -- absolute path as loaded
    content_hash  VARCHAR NOT NULL,      -- sha256 of the bytes
    file_seq      BIGINT  NOT NULL,      -- arrival order of files; seq = file_seq * 1e9 + row
    loaded_at     TIMESTAMPTZ NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL,
    late_events   BIGINT NOT NULL,
    note          VARCHAR
);
CREATE TABLE IF NOT EXISTS raw.rejects (
    batch_id   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL,
    file       VARCHAR NOT NULL,
    row_number BIGINT,                   -- line in the file (header = line 1); JSONL: line
    raw        VARCHAR,                  -- the row as delivered (CSV/JSONL line, or JSON of its fields)
    reason     VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.builds (
    build_id      VARCHAR PRIMARY KEY,
    built_at      TIMESTAMPTZ NOT NULL,
    max_file_seq  BIGINT NOT NULL,
    full_rebuild  BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.customers (
    customer_id VARCHAR, email VARCHAR, phone VARCHAR, segment VARCHAR, created_at VARCHAR,
    attributes JSON, _key VARCHAR, _batch_id VARCHAR, _file VARCHAR, _row_number BIGINT, _seq BIGINT,
    _loaded_at TIMESTAMPTZ, _is_duplicate BOOLEAN, _is_late BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw.transactions (
    event_id VARCHAR, customer_id VARCHAR, order_id VARCHAR, event_type VARCHAR,
    occurred_at VARCHAR, amount VARCHAR, currency VARCHAR, occurred_at_utc TIMESTAMPTZ,
    attributes JSON, _key VARCHAR, _batch_id VARCHAR, _file VARCHAR, _row_number BIGINT, _seq BIGINT,
    _loaded_at TIMESTAMPTZ, _is_duplicate BOOLEAN, _is_late BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw.web (
    event_id VARCHAR, anonymous_id VARCHAR, user_id VARCHAR, event_type VARCHAR,
    occurred_at VARCHAR, page_path VARCHAR, referrer VARCHAR, device VARCHAR,
    occurred_at_utc TIMESTAMPTZ,
    attributes JSON, _key VARCHAR, _batch_id VARCHAR, _file VARCHAR, _row_number BIGINT, _seq BIGINT,
    _loaded_at TIMESTAMPTZ, _is_duplicate BOOLEAN, _is_late BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw.support (
    event_id VARCHAR, ticket_id VARCHAR, email VARCHAR, phone VARCHAR, channel VARCHAR,
    team VARCHAR, system VARCHAR, category VARCHAR, event_type VARCHAR, occurred_at VARCHAR,
    occurred_at_utc TIMESTAMPTZ,
    attributes JSON, _key VARCHAR, _batch_id VARCHAR, _file VARCHAR, _row_number BIGINT, _seq BIGINT,
    _loaded_at TIMESTAMPTZ, _is_duplicate BOOLEAN, _is_late BOOLEAN
);
CREATE TABLE IF NOT EXISTS raw.log (
    event_id VARCHAR, case_id VARCHAR, activity VARCHAR, occurred_at VARCHAR, channel VARCHAR,
    occurred_at_utc TIMESTAMPTZ,
    attributes JSON, _key VARCHAR, _batch_id VARCHAR, _file VARCHAR, _row_number BIGINT, _seq BIGINT,
    _loaded_at TIMESTAMPTZ, _is_duplicate BOOLEAN, _is_late BOOLEAN
);
-- import-log's options per batch: an extract is live (its recent cases may be in flight) only
-- when --open-cases-horizon says so; otherwise every case of it is historical, completed.
CREATE TABLE IF NOT EXISTS raw.log_imports (
    batch_id                    VARCHAR PRIMARY KEY,
    open_cases_horizon_seconds  BIGINT           -- NULL: historical
);
-- Timestamps: ISO-8601 with Z or an offset are absolute; epoch seconds (10 digits) and
-- milliseconds (13 digits) are UTC; anything else is a naive local time in the source's timezone.
-- Only instants from 1900 up to (not including) 2200 are timestamps: DuckDB also reads words
-- ('infinity', 'epoch') and years such as 12026, which no analyst's tool (Python, polars) can
-- hold, and one such event would break every later build.
-- journeys_parse_ts is a plain expression (a macro with a subquery is run as a join over every
-- row, 3 s per 7M values). The shapes exports almost always use are read first, with one
-- anchored pattern each; their years 1901-2198 keep any offset inside the range. Every other
-- value takes the general rules (journeys_parse_ts_any), with the same result.
CREATE OR REPLACE MACRO journeys_ts_in_range(t) AS CASE
    WHEN t >= TIMESTAMPTZ '1900-01-01 00:00:00+00' AND t < TIMESTAMPTZ '2200-01-01 00:00:00+00'
        THEN t
END;
CREATE OR REPLACE MACRO journeys_parse_ts_any(s, tz) AS journeys_ts_in_range(CASE
    WHEN s IS NULL OR NOT regexp_matches(s, '\d') THEN NULL
    WHEN regexp_full_match(trim(s), '\d{10}') THEN to_timestamp(CAST(trim(s) AS BIGINT))
    WHEN regexp_full_match(trim(s), '\d{13}') THEN to_timestamp(CAST(trim(s) AS BIGINT) / 1000.0)
    WHEN regexp_matches(trim(s), '\d:\d\d(:\d\d(\.\d+)?)?\s*([Zz]|[+-]\d\d(:?\d\d)?)$')
        THEN try_cast(upper(trim(s)) AS TIMESTAMPTZ)
    ELSE timezone(tz, try_cast(trim(s) AS TIMESTAMP))
END);
CREATE OR REPLACE MACRO journeys_parse_ts(s, tz) AS CASE
    WHEN s[1:4] NOT BETWEEN '1901' AND '2198' THEN journeys_parse_ts_any(s, tz)
    -- 2026-03-01T10:00:00.000Z, 2026-03-01T10:00:00Z, 2026-03-01T10:00:00+01:00
    WHEN regexp_full_match(s, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)')
        THEN try_cast(s AS TIMESTAMPTZ)
    -- 2026-03-01 10:00:00 in the source's timezone
    WHEN regexp_full_match(s, '\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d')
        THEN timezone(tz, try_cast(s AS TIMESTAMP))
    ELSE journeys_parse_ts_any(s, tz)
END;
-- Normalised contact identifiers: case and whitespace for emails; digits only for phones
-- (a leading 00 international prefix is dropped, so 0049… and +49… agree).
CREATE OR REPLACE MACRO journeys_norm_email(s) AS nullif(lower(regexp_replace(coalesce(s, ''), '\s+', '', 'g')), '');
CREATE OR REPLACE MACRO journeys_norm_phone(s) AS nullif(regexp_replace(regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g'), '^00', ''), '');
CREATE OR REPLACE MACRO journeys_blank(s) AS s IS NULL OR trim(s) = '';
