-- grain: one row, the files loaded so far, of any source (0: nothing to build yet).
select count(*) from raw.manifest
