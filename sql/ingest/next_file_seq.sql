-- grain: one value, the arrival number the next loaded file gets.
SELECT coalesce(max(file_seq), 0) + 1 AS file_seq FROM raw.manifest
