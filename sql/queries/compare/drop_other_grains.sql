-- The map's gap history at another grain than $grain, or in another zone than $timezone, goes:
-- a change of drift.grain or drift.timezone starts the map's history again (other days and
-- weeks are other periods; compare/history.py).
delete from marts.map_gap_history
where map_name = $map_name and (grain <> $grain or timezone is distinct from $timezone)
