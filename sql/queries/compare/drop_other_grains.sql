-- The map's gap history at another grain than $grain goes: a change of drift.grain starts the
-- map's history again (compare/history.py).
delete from marts.map_gap_history
where map_name = $map_name and grain <> $grain
