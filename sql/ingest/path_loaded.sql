-- grain: one value: whether raw.manifest records any batch of this file path (refused,
-- superseded or loaded). A path it does not record cannot be loaded already, whatever its
-- content (ingest/manifest_lookup matches the path), so its content hash can wait
-- (journeys/ingest/hashing.py).
select count(*) > 0 as loaded
from raw.manifest
where file = $file
