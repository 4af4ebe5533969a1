-- grain: one column of a delivered Parquet file that holds nested values (a struct, list, map
-- or union): ingest/read_parquet_nested.sql keeps them as JSON, not as DuckDB's display text.
-- (A DESCRIBE is a statement of its own in sqlfluff's grammar, hence the noqa.)
select column_name
from (describe select * from read_parquet($path)) -- noqa: PRS
where regexp_matches(column_type, '^(STRUCT|MAP|UNION)|\]$')
