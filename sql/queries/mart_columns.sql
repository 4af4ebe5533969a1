-- grain: one row per column of a table in schema marts (the published marts), in table order,
-- then column order; data_type as DuckDB names it (VARCHAR, TIMESTAMP WITH TIME ZONE, ...). The
-- published marts are views over their Parquet files (ADR 0004).
SELECT
    c.table_name,
    c.column_name,
    c.data_type
FROM information_schema.columns AS c
JOIN information_schema.tables AS t
    ON t.table_catalog = c.table_catalog
    AND t.table_schema = c.table_schema
    AND t.table_name = c.table_name
WHERE c.table_schema = 'marts' AND t.table_type IN ('BASE TABLE', 'VIEW')  -- views: stored marts
ORDER BY c.table_name, c.ordinal_position
