-- grain: the work file's format row, with the engine's hash() of $probe: the raw tables'
-- _key_hash were written by this hash() (publish._rehash_raw_keys)
update raw.warehouse_format set key_hash = hash($probe::varchar)
