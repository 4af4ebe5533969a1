-- grain: one row per column of a table in schema marts (the published marts), in table order,
-- then column order; data_type as DuckDB names it (VARCHAR, TIMESTAMP WITH TIME ZONE, ...). The
-- published marts are views over their Parquet files (ADR 0004).
select
    c.table_name,
    c.column_name,
    c.data_type
from information_schema.columns as c
inner join information_schema.tables as t
    on
        c.table_catalog = t.table_catalog
        and c.table_schema = t.table_schema
        and c.table_name = t.table_name
where c.table_schema = 'marts' and t.table_type in ('BASE TABLE', 'VIEW')  -- views: stored marts
order by c.table_name, c.ordinal_position
