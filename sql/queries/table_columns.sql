-- grain: one column of table $schema.$name, in order, with its DuckDB type, in the connected
-- file or in an attached catalog ($catalog, NULL for the connected file).
SELECT column_name, data_type
FROM information_schema.columns
WHERE table_catalog = coalesce($catalog, current_database())
    AND table_schema = $schema
    AND table_name = $name
ORDER BY ordinal_position
