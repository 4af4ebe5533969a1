-- grain: one row, the format a new work file is written in
insert into raw.warehouse_format (version) values ($version)
