-- grain: one delivered row, valid or not, with its final reason (a JSON parse error comes
-- first), its arrival order (_seq), whether its key was already delivered (_is_duplicate:
-- earlier in this file or in an earlier batch) and whether it is late (_is_late: older than the
-- newest event of earlier batches).
WITH checked AS (
    SELECT * REPLACE (coalesce(_parse_error, _reason) AS _reason) FROM landing_checked
)
SELECT c.*,
    c._reason IS NULL AS _valid,
    c._line AS _row_number,
    CAST($file_seq AS BIGINT) * 1000000000 + c._line AS _seq,
    CAST($batch_id AS VARCHAR) AS _batch_id,
    CAST($file AS VARCHAR) AS _file,
    CAST($loaded_at AS TIMESTAMPTZ) AS _loaded_at,
    c._reason IS NULL AND (
        k._key IS NOT NULL
        OR row_number() OVER (PARTITION BY c._reason IS NULL, c._key ORDER BY c._line) > 1
    ) AS _is_duplicate,
    c._reason IS NULL
        AND coalesce(c.occurred_at_utc < CAST($watermark AS TIMESTAMPTZ), false) AS _is_late
FROM checked AS c
LEFT JOIN (SELECT DISTINCT _key FROM raw_keys) AS k ON c._key = k._key
