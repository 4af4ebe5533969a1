-- grain: one column of table $schema.$name, in order, with its DuckDB type, in the connected
-- file or in an attached catalog ($catalog, NULL for the connected file).
select
    column_name,
    data_type
from information_schema.columns
where
    table_catalog = coalesce($catalog, current_database())
    and table_schema = $schema
    and table_name = $name
order by ordinal_position
