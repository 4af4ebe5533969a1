-- grain: one kept alignment of the map $map_name at version $map_version: one (variant_id,
-- complete) with the columns of compare.alignment.align_variants (compare/cache.py).
select * exclude (map_name, map_version)
from intermediate.map_alignments
where map_name = $map_name and map_version = $map_version
