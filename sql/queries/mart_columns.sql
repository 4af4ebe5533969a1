-- grain: one row per column of a table in schema marts (the published marts), in table order,
-- then column order; data_type as DuckDB names it (VARCHAR, TIMESTAMP WITH TIME ZONE, ...).
SELECT
    c.table_name,
    c.column_name,
    c.data_type
FROM information_schema.columns AS c
JOIN information_schema.tables AS t
    ON t.table_catalog = c.table_catalog
    AND t.table_schema = c.table_schema
    AND t.table_name = c.table_name
WHERE c.table_schema = 'marts' AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.ordinal_position
