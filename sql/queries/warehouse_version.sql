-- grain: one value, the format the work file was written in (NULL: not recorded); read first,
-- since counting its tables (queries/warehouse_format) costs a catalog scan of 7-25 ms
select max(f.version) as version from raw.warehouse_format as f
