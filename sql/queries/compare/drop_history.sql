-- The map's gap history rows of version $map_version for the periods about to be measured again:
-- $periods (a list of dates), or every period when it is NULL (compare/history.py).
DELETE FROM marts.map_gap_history
WHERE map_name = $map_name
    AND map_version = $map_version
    AND ($periods IS NULL OR list_contains($periods::DATE[], period))
