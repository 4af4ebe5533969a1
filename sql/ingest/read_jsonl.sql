-- grain: one non-blank line of a delivered JSON-lines file, as text, with its line number.
SELECT line, _line
FROM (
    SELECT column0 AS line, row_number() OVER () AS _line
    FROM read_csv(
        $path,
        columns = {'column0': 'VARCHAR'},
        header = false,
        delim = E'\x1f',
        quote = '',
        escape = '',
        auto_detect = false,
        strict_mode = false,
        encoding = $encoding,
        store_rejects = true,
        rejects_table = 'landing_rejects',
        rejects_scan = 'landing_scans'
    )
)
WHERE line IS NOT NULL AND trim(line) <> ''
