-- grain: one row of a delivered Parquet file with nested columns ($nested, never empty): every
-- other column as text, the nested ones as JSON ({"device":{"type":"mobile"}}, [1,2]), as a
-- JSON lines file's objects are kept; DuckDB's own text for them ({'device': {'type': mobile}})
-- loses whether a value was a string. The nested columns come after the others.
select
    columns(lambda c: not list_contains($nested, c))::varchar,
    to_json(columns(lambda c: list_contains($nested, c)))
from read_parquet($path)
