-- grain: one base table (not a view) of a catalog, as schema.name: the connected file's, or an
-- attached one's ($catalog, NULL for the connected file). Publishing compares and copies them.
select table_schema || '.' || table_name as name
from information_schema.tables
where
    table_catalog = coalesce($catalog, current_database())
    and table_type = 'BASE TABLE'
order by table_schema, table_name
