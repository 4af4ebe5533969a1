-- grain: one event of an imported event log (a case is a journey as is), typed, in UTC.
-- The case id is kept as delivered ('', 'NA' and 'null' are case ids), except a personal one:
-- a case id that is an email address or a phone number, or every case id of a batch imported
-- with --personal-case-ids, becomes a keyed hash (the salt, as emails and phones elsewhere).
-- Email addresses and phone numbers inside activity names are masked.
with source as not materialized (
    select * from raw.log
    where not _is_duplicate
),

imports as (
    select
        batch_id,
        personal_case_ids
    from raw.log_imports
),

-- The regular expressions run once per distinct value, not once per event: an activity name
-- repeats on thousands of events, a case id on each of its events (250,000 events: 0.6 s of
-- CPU per event, 0.05 s per value).
activities as (
    select
        activity,
        journeys_redact(trim(activity)) as masked
    from (select distinct activity from source) as distinct_activities
),

cases as (
    -- each case id tested once, as a projection of the distinct ids: as a filter the optimiser
    -- moved the test below the DISTINCT, onto every event (250,000 events: 0.12 s, not 0.02 s)
    select
        case_id,
        journeys_is_contact(case_id) as is_contact
    from (select distinct case_id from source) as distinct_cases
),

final as (
    select
        r.event_id,
        case
            when coalesce(i.personal_case_ids, false) or c.is_contact
                then 'case_' || left(sha256($salt || 'case:' || r.case_id), 16)
            else r.case_id
        end as case_id,
        a.masked as activity,
        r.occurred_at_utc as occurred_at,
        nullif(trim(r.channel), '') as channel,
        r.attributes,
        r._seq as seq,
        r._batch_id as batch_id,
        r._is_late as is_late
    from source as r
    inner join activities as a on r.activity is not distinct from a.activity
    left join imports as i on r._batch_id = i.batch_id
    left join cases as c on r.case_id = c.case_id
)

select * from final
