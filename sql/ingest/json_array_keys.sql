-- grain: one of the first 100 elements of a JSON file holding one array of objects: its keys
-- in order (NULL for an element that is not an object), for import-log's column names. The
-- reader returns the elements in the file's order; any 100 would do.
select json_keys(j.json) as keys
from read_json_objects($path, format = 'array') as j
limit 100 -- noqa: AM09
