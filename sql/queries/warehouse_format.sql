-- grain: one row: how many pipeline tables the work file holds (beside the catalog's own) and
-- the format it was written in (NULL: not recorded, a file of an older version or a new one)
select
    (
        select count(*)
        from duckdb_tables() as t
        where
            t.database_name = current_database()
            and t.schema_name in ('raw', 'staging', 'intermediate', 'marts')
            and t.table_name not in (
                'data_files', 'published_files', 'warehouse_format', 'ddl_scripts', 'data_home'
            )
    ) as pipeline_tables,
    (select max(f.version) from raw.warehouse_format as f) as version
