-- grain: one base table (not a view) of a catalog, as schema.name: the connected file's, or an
-- attached one's ($catalog, NULL for the connected file). Publishing compares and copies them.
SELECT table_schema || '.' || table_name AS name
FROM information_schema.tables
WHERE table_catalog = coalesce($catalog, current_database())
    AND table_type = 'BASE TABLE'
ORDER BY table_schema, table_name
