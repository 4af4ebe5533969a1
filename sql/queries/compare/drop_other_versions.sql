-- Forget the kept alignments of the map's other versions (compare/cache.py): an alignment is
-- valid for the map version that made it only.
DELETE FROM intermediate.map_alignments
WHERE map_name = $map_name AND map_version <> $map_version
