-- grain: one row: what raw.phone_numbers, staging.stg_customers and staging.stg_support are
-- built from (the customer and support files loaded: how many, the newest arrival number) and
-- the fingerprint they were last built with (NULL: never, or one of the tables is gone).
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
            s.step = 'contacts'
            and (
                select count(*) from duckdb_tables() as t
                where
                    t.database_name = current_database()
                    and (
                        (t.schema_name = 'raw' and t.table_name = 'phone_numbers')
                        or (
                            t.schema_name = 'staging'
                            and t.table_name in ('stg_customers', 'stg_support')
                        )
                    )
            ) = 3
    ) as fingerprint
