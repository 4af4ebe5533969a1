-- grain: one distinct top-level key seen in the JSON objects of landing_raw (a JSON-lines file).
select distinct unnest(json_keys(line)) as key
from landing_raw
where json_valid(line) and json_type(line) = 'OBJECT'
