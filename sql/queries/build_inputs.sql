-- grain: one row: what a build starts from (the files loaded so far, the newest one's arrival
-- number, the rows they gave) beside what the last finished build recorded in raw.build_inputs
-- (NULLs: no build finished, or one started since).
select
    m.files,
    m.max_file_seq,
    m.rows_accepted,
    b.fingerprint,
    b.events,
    b.customers,
    b.stitched_customers,
    b.unstitched_events,
    b.unmapped_events,
    b.skipped_events,
    b.journeys
from (
    select
        count(*) as files,
        coalesce(max(file_seq), 0) as max_file_seq,
        coalesce(sum(rows_accepted), 0) as rows_accepted
    from raw.manifest
) as m
left join raw.build_inputs as b on true
