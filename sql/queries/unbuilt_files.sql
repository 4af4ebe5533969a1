-- grain: one value, the files loaded with accepted rows since the last build (journeys-micro
-- builds only when there are any: journeys.steps.ingest_new_files).
select count(*) as unbuilt
from raw.manifest
where
    rows_accepted > 0
    and file_seq > (select coalesce(max(b.max_file_seq), 0) from raw.builds as b)
