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
-- Timestamps: ISO-8601 with Z or an offset are absolute (a space before the offset allowed; an
-- offset beyond ±18:00 or a minute beyond 59 is no offset); so is a time followed by UTC, GMT or
-- an IANA zone name (America/New_York, Europe/Berlin). Zone abbreviations (EST, CST, IST) are
-- not read: CST is Central, China and Cuba time. A 12-hour clock (10:00:00 PM) is read. Epoch
-- seconds (10 digits) and milliseconds (13 digits) are UTC; a date and time of digits and
-- separators alone is a naive local time in the source's timezone. Anything else after the time
-- (DuckDB's own cast ignores it: '10:00:00 PM' and '10:00:00 EST' read as 10:00) is no time.
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
CREATE OR REPLACE MACRO journeys_ts_offset_ok(s) AS coalesce(
    try_cast(regexp_extract(s, '([+-])(\d\d):?(\d\d)?$', 2) AS INTEGER) <= 18
        AND coalesce(try_cast(regexp_extract(s, '([+-])(\d\d):?(\d\d)?$', 3) AS INTEGER), 0) <= 59,
    true
);
-- '2026-03-01 10:00:00 PM' -> '2026-03-01 22:00:00' (NULL for an hour outside 1-12); p: the parts
CREATE OR REPLACE MACRO journeys_ts_12h_of(p) AS CASE
    WHEN try_cast(p.h AS INTEGER) BETWEEN 1 AND 12 THEN p.d || ' '
        || lpad(CAST(try_cast(p.h AS INTEGER) % 12 + CASE WHEN upper(p.ap) = 'P' THEN 12 ELSE 0 END
            AS VARCHAR), 2, '0') || ':' || p.m || p.sec
END;
CREATE OR REPLACE MACRO journeys_ts_12h(s) AS journeys_ts_12h_of(regexp_extract(s,
    '^([\d\-/.]*\d)[ T](\d{1,2}):(\d\d)(:\d\d(?:\.\d+)?)?\s*([AaPp])\.?[Mm]\.?$',
    ['d', 'h', 'm', 'sec', 'ap']));
CREATE OR REPLACE MACRO journeys_parse_ts_any(s, tz) AS journeys_ts_in_range(CASE
    WHEN s IS NULL OR NOT regexp_matches(s, '\d') THEN NULL
    WHEN regexp_full_match(trim(s), '\d{10}') THEN to_timestamp(CAST(trim(s) AS BIGINT))
    WHEN regexp_full_match(trim(s), '\d{13}') THEN to_timestamp(CAST(trim(s) AS BIGINT) / 1000.0)
    WHEN regexp_full_match(trim(s), '[\d\-/. T:]*\d:\d\d[\d:.]*\s*([Zz]|[+-]\d\d(:?\d\d)?)')
        THEN CASE WHEN journeys_ts_offset_ok(trim(s)) THEN try_cast(upper(regexp_replace(
            trim(s), '\s+([Zz]|[+-]\d\d(:?\d\d)?)$', '\1')) AS TIMESTAMPTZ) END
    WHEN regexp_full_match(trim(s),
            '[\d\-/. T:]*\d:\d\d[\d:.]*\s+((?i:utc|gmt)|[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+)')
        THEN try_cast(regexp_replace(trim(s), '(?i)\s+(utc|gmt)$', ' UTC') AS TIMESTAMPTZ)
    WHEN regexp_matches(trim(s), '\d\s*[AaPp]\.?[Mm]\.?$')
        THEN timezone(tz, try_cast(journeys_ts_12h(trim(s)) AS TIMESTAMP))
    WHEN regexp_full_match(trim(s), '[\d\-/. T:]*\d') THEN timezone(tz, try_cast(trim(s) AS TIMESTAMP))
END);
CREATE OR REPLACE MACRO journeys_parse_ts(s, tz) AS CASE
    WHEN s[1:4] NOT BETWEEN '1901' AND '2198' THEN journeys_parse_ts_any(s, tz)
    -- 2026-03-01T10:00:00.000Z, 2026-03-01T10:00:00Z, 2026-03-01T10:00:00+01:00
    WHEN regexp_full_match(s, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-](0\d|1[0-8]):[0-5]\d)')
        THEN try_cast(s AS TIMESTAMPTZ)
    -- 2026-03-01 10:00:00 in the source's timezone
    WHEN regexp_full_match(s, '\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d')
        THEN timezone(tz, try_cast(s AS TIMESTAMP))
    ELSE journeys_parse_ts_any(s, tz)
END;
-- Why a value is not a timestamp, where a general reason would mislead (NULL otherwise).
CREATE OR REPLACE MACRO journeys_ts_problem(s) AS CASE
    WHEN regexp_matches(trim(s), '\d:\d\d[\d:.]*\s*[A-Za-z]{2,5}$')
        AND NOT regexp_matches(trim(s), '(?i)(utc|gmt|\d\s*z|\d\s*[ap]\.?m\.?)$')
        THEN 'ends in a time zone abbreviation, which is ambiguous (CST is Central, China and '
            || 'Cuba time); write an offset such as -05:00 or a zone name such as America/New_York'
    WHEN regexp_matches(trim(s), '\d:\d\d[\d:.]*\s*[+-]\d\d(:?\d\d)?$')
        AND NOT journeys_ts_offset_ok(trim(s))
        THEN 'has an offset beyond 18 hours or 59 minutes; write an offset such as +01:00'
END;
-- Normalised contact identifiers: case and whitespace for emails; digits only for phones
-- (a leading 00 international prefix is dropped, so 0049… and +49… agree).
CREATE OR REPLACE MACRO journeys_norm_email(s) AS nullif(lower(regexp_replace(coalesce(s, ''), '\s+', '', 'g')), '');
CREATE OR REPLACE MACRO journeys_norm_phone(s) AS nullif(regexp_replace(regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g'), '^00', ''), '');
CREATE OR REPLACE MACRO journeys_blank(s) AS s IS NULL OR trim(s) = '';
-- One row per import-log batch: how the log was read (the staging model reads the choices).
CREATE TABLE IF NOT EXISTS raw.log_imports (
    batch_id          VARCHAR PRIMARY KEY,
    file              VARCHAR NOT NULL,   -- the delivered file (an XES or OCEL log, not its conversion)
    format            VARCHAR NOT NULL,   -- csv, parquet, jsonl, xes or ocel
    lifecycle         VARCHAR,            -- XES: complete or all
    object_type       VARCHAR,            -- OCEL: the object type each case is an object of
    timezone          VARCHAR,            -- of naive timestamps
    personal_case_ids BOOLEAN NOT NULL,   -- --personal-case-ids: hash every case id
    left_out          BIGINT NOT NULL,    -- events of other lifecycle transitions not loaded
    open_cases_horizon_seconds BIGINT     -- --open-cases-horizon: a live extract, its recent
                                          -- cases may be in flight; NULL: historical, all completed
);
-- Contact identifiers in imported logs: a whole value that is an email address, or a phone
-- number written as one (a leading + or 00, or digit groups with separators; 8 to 15 digits).
-- Plain numbers (173688, zero-padded 0000123456) are ids, not phones.
CREATE OR REPLACE MACRO journeys_is_email(s) AS
    regexp_full_match(trim(coalesce(s, '')), '[\w.+-]+@[\w-]+(\.[\w-]+)+');
CREATE OR REPLACE MACRO journeys_is_phone(s) AS
    length(regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g')) BETWEEN 8 AND 15
    AND (regexp_full_match(trim(s), '(\+|00)[1-9][0-9 ().-]*')
        OR regexp_full_match(trim(s), '\(?0[1-9][0-9]{0,4}\)?([ .-]+[0-9]{2,})+'));
CREATE OR REPLACE MACRO journeys_is_contact(s) AS journeys_is_email(s) OR journeys_is_phone(s);
-- An activity's email addresses and international phone numbers, masked as in the reports.
CREATE OR REPLACE MACRO journeys_redact(s) AS regexp_replace(
    regexp_replace(s, '[\w.+-]+@[\w-]+(\.[\w-]+)+', '[email]', 'g'),
    '(\+|\b00)[1-9]([ ().-]{0,2}[0-9]){7,14}', '[phone]', 'g');
