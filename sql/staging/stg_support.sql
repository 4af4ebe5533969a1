-- grain: one support interaction (event_id; the first delivery wins), typed, in UTC.
-- Contacts are identified by email or phone, replaced here by keyed hashes of their normal form.
with source as (
    select
        *,
        journeys_norm_email(email) as _email
    from raw.support
    where not _is_duplicate
),

-- phones: E.164 digits, one row per distinct delivered value (parsed in ingest/phones.py)
phone_numbers as (
    select
        phone,
        phone_norm,
        is_parsed,
        is_placeholder
    from raw.phone_numbers
    where source = 'support'
),

-- identity.blocked: the addresses and numbers that identify nobody, in their normal forms
blocked as (
    select
        coalesce(
            list(journeys_norm_email(v)) filter (where journeys_norm_email(v) is not null), []
        ) as emails,
        cast($blocked_phones as varchar[]) as phones
    from (select unnest(cast($blocked as varchar[])) as v) as listed
),

final as (
    select
        trim(s.event_id) as event_id,
        trim(s.ticket_id) as ticket_id,
        case
            when s._email is not null and not list_contains(b.emails, s._email)
                then sha256($salt || 'e:' || s._email)
        end as email_key,
        case
            when not p.is_placeholder and not list_contains(b.phones, p.phone_norm)
                then sha256($salt || 'p:' || p.phone_norm)
        end as phone_key,
        coalesce(p.phone_norm is not null and not p.is_parsed, false) as phone_unparsed,
        nullif(lower(trim(s.channel)), '') as channel,
        nullif(trim(s.team), '') as team,
        nullif(trim(s.system), '') as system,
        nullif(trim(s.category), '') as category,
        trim(s.event_type) as event_type,
        s.occurred_at_utc as occurred_at,
        s.attributes,
        s._seq as seq,
        s._batch_id as batch_id,
        s._is_late as is_late
    from source as s
    cross join blocked as b
    left join phone_numbers as p on s.phone = p.phone
)

select * from final
