-- grain: one (period, gap) of the map $map_name at version $map_version in marts.map_gap_history:
-- what compare's drift tests read (compare/drift.py).
select *
from marts.map_gap_history
where map_name = $map_name and map_version = $map_version
order by period, gap_id
