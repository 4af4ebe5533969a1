-- grain: one row of a Parquet file of Google Analytics 4's BigQuery export, as one line of
-- JSON in the file's order (its structs and lists as JSON objects and arrays), for
-- ingest/ga4_lines to read as it reads the export's JSON lines.
select to_json(r)::varchar as line
from read_parquet($path) as r
