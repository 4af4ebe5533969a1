-- grain: one value, the arrival number the next loaded file gets.
select coalesce(max(file_seq), 0) + 1 as file_seq from raw.manifest
