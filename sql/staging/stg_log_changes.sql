-- grain: one event of an imported event log whose case id, activity or team staging changes
-- (most logs: none), with the values staging.stg_log shows for it: a personal case id (an email
-- address or a phone number, or every case id of a batch imported with --personal-case-ids)
-- becomes a keyed hash (the salt, as emails and phones elsewhere); email addresses and phone
-- numbers inside activity and team names (a resource named by its email) are masked. Only
-- these outputs are stored, never the delivered values: no direct identifier leaves raw.
-- staging.stg_log (a view) reads raw.log, trims every name and takes these rows' values, so the
-- events are not written again.
with source as not materialized (
    select
        _seq,
        case_id,
        activity,
        team,
        _batch_id
    from raw.log
    where not _is_duplicate
),

-- The regular expressions run once per distinct value, not once per event (an activity name
-- repeats on thousands of events, a case id on each of its events), and the tests are
-- materialized: as a filter the optimiser moved them below the DISTINCT, onto every event.
tested_names as materialized (
    -- activity and team names alike: one test per distinct name, whichever column holds it
    select
        name,
        journeys_redact(trim(name)) as masked
    from (
        select activity as name from source
        union
        select team from source
    ) as distinct_names
),

tested_cases as materialized (
    select
        case_id,
        journeys_is_contact(case_id) as is_contact
    from (select distinct case_id from source) as distinct_cases
),

masked_names as (
    select
        name,
        masked
    from tested_names
    -- only a masked name: stg_log trims every name itself, so a name delivered with spaces
    -- (common in exports) adds no row here
    where masked is distinct from trim(name)
),

contact_cases as (
    select case_id from tested_cases
    where is_contact
),

personal_batches as (
    select batch_id from raw.log_imports
    where personal_case_ids
)

select
    r._seq as seq,
    case
        when c.case_id is not null or p.batch_id is not null
            then 'case_' || left(sha256($salt || 'case:' || r.case_id), 16)
        else r.case_id
    end as case_id,
    coalesce(a.masked, trim(r.activity)) as activity,
    nullif(coalesce(t.masked, trim(r.team)), '') as team
from source as r
left join masked_names as a on r.activity = a.name
left join masked_names as t on r.team = t.name
left join contact_cases as c on r.case_id = c.case_id
left join personal_batches as p on r._batch_id = p.batch_id
where
    a.name is not null or t.name is not null or c.case_id is not null
    or p.batch_id is not null
