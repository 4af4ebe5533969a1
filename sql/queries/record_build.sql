-- Record a finished build: later loads compare against it for late events and rebuilds.
INSERT INTO raw.builds
SELECT $build_id, $built_at, coalesce(max(file_seq), 0), $full_rebuild FROM raw.manifest
