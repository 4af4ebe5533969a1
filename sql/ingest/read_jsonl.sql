-- grain: one line of a delivered JSON-lines file, as text, in file order (blank lines too: the
-- line's number is its place among the lines and the reader's rejects, see landing_jsonl).
select column0 as line
from read_csv(
    $path,
    columns = { 'column0': 'VARCHAR' },
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
