-- The map's gap history rows of version $map_version for the periods about to be measured again:
-- $periods (a list of dates), or every period when it is NULL (compare/history.py).
delete from marts.map_gap_history
where
    map_name = $map_name
    and map_version = $map_version
    and ($periods is null or list_contains($periods::date[], period))
