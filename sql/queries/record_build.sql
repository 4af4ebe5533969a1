-- Record a finished build: later loads compare against it for late events and rebuilds.
insert into raw.builds
select
    $build_id,
    $built_at,
    coalesce(max(file_seq), 0),
    $full_rebuild
from raw.manifest
