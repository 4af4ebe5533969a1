-- grain: one kept alignment of the map $map_name at version $map_version: one (variant_id,
-- complete) with the columns of compare.alignment.align_variants (compare/cache.py).
SELECT * EXCLUDE (map_name, map_version)
FROM intermediate.map_alignments
WHERE map_name = $map_name AND map_version = $map_version
