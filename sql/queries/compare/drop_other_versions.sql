-- Forget the kept alignments of the map's other versions (compare/cache.py): an alignment is
-- valid for the map version that made it only.
delete from intermediate.map_alignments
where map_name = $map_name and map_version <> $map_version
