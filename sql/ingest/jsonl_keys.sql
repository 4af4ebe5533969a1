-- grain: one distinct top-level key seen in the JSON objects of landing_raw (a JSON-lines file).
-- One parse per line: try() gives no keys for a line that is not JSON (json_keys of an array or
-- a scalar gives none either), where checking json_valid and json_type first parsed it thrice.
select distinct unnest(try(json_keys(line))) as key
from landing_raw
