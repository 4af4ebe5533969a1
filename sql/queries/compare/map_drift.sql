-- grain: one drift event of the map $map_name in marts.map_drift (before compare replaces them,
-- to tell the new events from those already there: compare/update.py).
select *
from marts.map_drift
where map_name = $map_name
