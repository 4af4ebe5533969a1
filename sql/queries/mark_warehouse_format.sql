-- grain: one row, the format a new work file is written in and the engine's hash() of $probe
-- (queries/warehouse_version)
insert into raw.warehouse_format (version, key_hash) values ($version, hash($probe::varchar))
