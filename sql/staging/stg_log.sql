-- grain: one event of an imported event log (a case is a journey as is), typed, in UTC.
-- The case id is kept as delivered ('', 'NA' and 'null' are case ids), except a personal one:
-- a case id that is an email address or a phone number, or every case id of a batch imported
-- with --personal-case-ids, becomes a keyed hash (the salt, as emails and phones elsewhere).
-- Email addresses and phone numbers inside activity names are masked.
with source as (
    select * from raw.log
    where not _is_duplicate
),

imports as (
    select
        batch_id,
        personal_case_ids
    from raw.log_imports
),

final as (
    select
        r.event_id,
        case
            when coalesce(i.personal_case_ids, false) or journeys_is_contact(r.case_id)
                then 'case_' || left(sha256($salt || 'case:' || r.case_id), 16)
            else r.case_id
        end as case_id,
        journeys_redact(trim(r.activity)) as activity,
        r.occurred_at_utc as occurred_at,
        nullif(trim(r.channel), '') as channel,
        r.attributes,
        r._seq as seq,
        r._batch_id as batch_id,
        r._is_late as is_late
    from source as r
    left join imports as i on r._batch_id = i.batch_id
)

select * from final
