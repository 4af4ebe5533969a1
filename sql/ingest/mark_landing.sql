-- grain: one delivered row, valid or not, with its final reason (a JSON parse error comes
-- first), its arrival order (_seq), whether its key was already delivered (_is_duplicate:
-- earlier in this file or in an earlier batch) and whether it is late (_is_late: older than the
-- newest event of earlier batches).
-- Duplicates are found by key, not by ordering every row: a window over the whole file moved
-- every column through a sort (13 s for 7M web events); the keys seen twice are few.
WITH checked AS (
    SELECT * REPLACE (coalesce(_parse_error, _reason) AS _reason) FROM landing_checked
), earlier AS (
    -- this file's keys that an earlier batch delivered: raw is probed with the file's keys
    SELECT DISTINCT _key FROM raw_keys
    WHERE _key IN (SELECT _key FROM checked WHERE _reason IS NULL)
), repeated AS (
    -- keys this file delivers more than once, with the line of their first valid row
    SELECT _key, min(_line) AS first_line
    FROM checked
    WHERE _reason IS NULL
    GROUP BY _key
    HAVING count(*) > 1
)
SELECT c.*,
    c._reason IS NULL AS _valid,
    c._line AS _row_number,
    CAST($file_seq AS BIGINT) * 1000000000 + c._line AS _seq,
    CAST($batch_id AS VARCHAR) AS _batch_id,
    CAST($file AS VARCHAR) AS _file,
    CAST($loaded_at AS TIMESTAMPTZ) AS _loaded_at,
    c._reason IS NULL
        AND (e._key IS NOT NULL OR coalesce(c._line > r.first_line, false)) AS _is_duplicate,
    c._reason IS NULL
        AND coalesce(c.occurred_at_utc < CAST($watermark AS TIMESTAMPTZ), false) AS _is_late
FROM checked AS c
LEFT JOIN earlier AS e ON c._key = e._key
LEFT JOIN repeated AS r ON c._key = r._key
