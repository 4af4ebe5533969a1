-- grain: one parsed record of a delivered delimited file, every column as text, in file order.
-- Malformed records (wrong column count, bad quoting, invalid encoding) go to temp table
-- landing_rejects with their line; an empty field stays '' (never NULL), so case ids like ''
-- or 'NA' keep their value. Quoting is RFC 4180's (double quotes, doubled inside): left to the
-- sniffer, a file whose rows end in an apostrophe was read with ' as the quote, and a row was
-- silently swallowed into the field before it. The delimiter is still detected.
SELECT *
FROM read_csv(
    $path,
    all_varchar = true,
    header = true,
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'landing_rejects',
    rejects_scan = 'landing_scans',
    nullstr = E'\x1ejourneys-null\x1e',
    allow_quoted_nulls = false,
    encoding = $encoding,
    null_padding = false
)
