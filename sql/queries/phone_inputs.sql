-- grain: one row: what raw.phone_numbers is parsed from (the customer and support files loaded:
-- how many, the newest arrival number) and the fingerprint it was last parsed with (NULL: never,
-- or the table is gone).
select
    (
        select count(*) from raw.manifest
        where source in ('customers', 'support')
    ) as files,
    (
        select coalesce(max(file_seq), 0) from raw.manifest
        where source in ('customers', 'support')
    ) as max_file_seq,
    (
        select s.fingerprint from raw.step_inputs as s
        where
            s.step = 'phones'
            and exists (
                select 1 from duckdb_tables() as t
                where
                    t.database_name = current_database()
                    and t.schema_name = 'raw'
                    and t.table_name = 'phone_numbers'
            )
    ) as fingerprint
