-- grain: one row, the cases and activities an imported log batch holds, the case ids that look
-- like contact identifiers (hashed in staging) and the timestamps without an offset. A case id
-- is tested once, not on each of its events.
with batch as (
    select
        case_id,
        activity,
        occurred_at
    from raw.log
    where _batch_id = $batch_id and not _is_duplicate
),

cases as (
    select distinct case_id from batch
)

select
    (select count(c.case_id) from cases as c) as cases,
    (select count(distinct b.activity) from batch as b) as activities,
    (
        select count(c.case_id) from cases as c
        where journeys_is_contact(c.case_id)
    ) as contact_cases,
    (
        select count(*) from batch as b
        where
            not regexp_matches(trim(b.occurred_at), '([Zz]|[+-]\d\d(:?\d\d)?)$')
            and not regexp_full_match(trim(b.occurred_at), '\d{10}|\d{13}')
    ) as naive_timestamps
