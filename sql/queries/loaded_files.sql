-- grain: one row, the files loaded so far, of any source (0: nothing to build yet).
SELECT count(*) FROM raw.manifest
