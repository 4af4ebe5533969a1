-- grain: one row: the format the work file was written in (NULL: not recorded) and the data
-- folder its stored tables were written in (NULL: not recorded); read first, since counting its
-- tables (queries/warehouse_format) costs a catalog scan of 7-25 ms
select
    max(f.version) as version,
    (select max(h.folder) from raw.data_home as h) as home
from raw.warehouse_format as f
