-- The map's gap history at another grain than $grain goes: a change of drift.grain starts the
-- map's history again (compare/history.py).
DELETE FROM marts.map_gap_history
WHERE map_name = $map_name AND grain <> $grain
