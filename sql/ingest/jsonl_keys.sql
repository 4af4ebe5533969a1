-- grain: one distinct top-level key seen in the JSON objects of landing_lines.
SELECT DISTINCT unnest(json_keys(line)) AS key
FROM landing_lines
WHERE json_valid(line) AND json_type(line) = 'OBJECT'
