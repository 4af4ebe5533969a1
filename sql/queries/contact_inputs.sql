-- grain: one row: what raw.phone_numbers, staging.stg_customers and staging.stg_support are
-- built from (the customer and support files loaded: how many, the newest arrival number) and
-- the fingerprint they were last built with (NULL: never). Whether the three tables are still
-- there is asked by name (build.contact_staging): a count over duckdb_tables() reads the
-- catalog entry of every table of the work file (6-8 ms the first time on a connection).
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
        where s.step = 'contacts'
    ) as fingerprint
