-- grain: one element of a JSON file that holds one array of objects (as many APIs and exports
-- write it), minified onto a line of its own, in the array's order: written as a JSON-lines
-- file (Warehouse.export_model_lines), whose reader then numbers the records by their place in
-- the array. An element that is not an object is a line too, rejected there with its reason.
select json(j.json) as line
from read_json_objects($path, format = 'array') as j
