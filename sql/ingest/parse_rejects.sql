-- grain: one record the reader could not parse (column count, quoting, encoding), by line,
-- and one line ingest/records.py kept apart (a quote that never closes where a field may end,
-- a carriage return in an unquoted field, a record past 2 MiB), with its reason.
WITH rejected AS (
    SELECT line - $header_lines AS rec, any_value(csv_line) AS _raw,
        'record could not be parsed ('
        || string_agg(DISTINCT error_type || ': ' || error_message, '; ')
        || '); fix its delimiters, quoting or encoding and deliver it again' AS _reason
    FROM landing_rejects
    GROUP BY line
)
SELECT r.rec + o._offset AS _line, r._raw, r._reason
FROM rejected AS r
ASOF JOIN landing_offsets AS o ON r.rec >= o._rec
UNION ALL
SELECT unnest(CAST($kept_lines AS BIGINT[])), unnest(CAST($kept_texts AS VARCHAR[])),
    unnest(CAST($kept_reasons AS VARCHAR[]))
ORDER BY _line
