-- The map's gap history rows about to be measured again, and those that count no more, in one
-- pass over its files: of version $map_version the rows of $periods (a list of dates), or of
-- every period when it is NULL; and every row at another grain than $grain or in another zone
-- than $timezone (a change of drift.grain or drift.timezone starts the map's history again:
-- other days and weeks are other periods; compare/history.py).
delete from marts.map_gap_history
where
    map_name = $map_name
    and (
        grain <> $grain
        or timezone is distinct from $timezone
        or (
            map_version = $map_version
            and ($periods is null or list_contains($periods::date[], period))
        )
    )
