-- grain: one row, the cases and activities an imported log batch holds, the case ids that look
-- like contact identifiers (hashed in staging) and the timestamps without an offset.
select
    count(distinct case_id) as cases,
    count(distinct activity) as activities,
    count(distinct case_id) filter (where journeys_is_contact(case_id)) as contact_cases,
    count(*) filter (
        where not regexp_matches(trim(occurred_at), '([Zz]|[+-]\d\d(:?\d\d)?)$')
        and not regexp_full_match(trim(occurred_at), '\d{10}|\d{13}')
    ) as naive_timestamps
from raw.log
where _batch_id = $batch_id and not _is_duplicate
