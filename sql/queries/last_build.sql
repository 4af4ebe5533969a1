-- grain: one value, the newest file arrival number included in the last build (0: no build).
SELECT coalesce(max(max_file_seq), 0) AS last_file_seq FROM raw.builds
