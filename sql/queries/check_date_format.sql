-- A --date-format layout DuckDB can read with (an unknown directive such as %Q fails here,
-- before any row is checked).
select try_strptime('2000-01-01', $date_format) is null as unused
