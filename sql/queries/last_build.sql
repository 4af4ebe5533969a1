-- grain: one value, the newest file arrival number included in the last build (0: no build).
select coalesce(max(max_file_seq), 0) as last_file_seq from raw.builds
