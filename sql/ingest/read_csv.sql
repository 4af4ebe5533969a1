-- grain: one parsed record of a delivered delimited file, every column as text, in file order.
-- Malformed records (wrong column count, bad quoting, invalid encoding) go to temp table
-- landing_rejects with their line; an empty field stays '' (never NULL), so case ids like ''
-- or 'NA' keep their value. Quoting is RFC 4180's (double quotes, doubled inside): left to the
-- sniffer, a file whose rows end in an apostrophe was read with ' as the quote, and a row was
-- silently swallowed into the field before it. The delimiter is the header's (ingest/records.py):
-- the sniffer fell back to one column when a quote in its sample did not close.
-- The file read here has no blank line and no line whose quote does not close
-- (ingest/records.py leaves them out), so a record's line is 1 + its number.
select *
from read_csv(
    $path,
    all_varchar = true,
    header = true,
    delim = $delim,
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
