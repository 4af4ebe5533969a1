-- grain: one value, the files loaded with accepted rows since the last build (journeys-micro
-- builds only when there are any: journeys.steps.ingest_new_files).
SELECT count(*) AS unbuilt
FROM raw.manifest
WHERE rows_accepted > 0
    AND file_seq > (SELECT coalesce(max(b.max_file_seq), 0) FROM raw.builds AS b)
