-- grain: one record the reader could not parse (column count, quoting, encoding), by line.
SELECT line AS _line, any_value(csv_line) AS _raw,
    'record could not be parsed (' || string_agg(DISTINCT error_type || ': ' || error_message, '; ')
        || '); fix its delimiters, quoting or encoding and deliver it again' AS _reason
FROM landing_rejects
GROUP BY line
ORDER BY line
