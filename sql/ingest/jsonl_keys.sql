-- grain: one distinct top-level key seen in the JSON objects of landing_raw (a JSON-lines file).
SELECT DISTINCT unnest(json_keys(line)) AS key
FROM landing_raw
WHERE json_valid(line) AND json_type(line) = 'OBJECT'
