-- grain: one row: the format the work file was written in (NULL: not recorded), the data
-- folder its stored tables were written in (NULL: not recorded) and whether the engine's hash()
-- of $probe is still the one recorded with the format (key_hash_moved: the raw tables'
-- _key_hash were written by another hash(); publish._rehash_raw_keys); read first, since
-- counting its tables (queries/warehouse_format) costs a catalog scan of 7-25 ms
select
    max(f.version) as version,
    (select max(h.folder) from raw.data_home as h) as home,
    coalesce(max(f.key_hash) <> hash($probe::varchar), true) as key_hash_moved
from raw.warehouse_format as f
