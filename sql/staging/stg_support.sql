-- grain: one support interaction (event_id; the first delivery wins), typed, in UTC.
-- Contacts are identified by email or phone, replaced here by keyed hashes of their normal form.
with source as (
    select * from raw.support
    where not _is_duplicate
),

-- phones: E.164 digits, one row per distinct delivered value (parsed in ingest/phones.py)
phone_numbers as (
    select
        phone,
        phone_norm,
        is_parsed
    from raw.phone_numbers
    where source = 'support'
),

final as (
    select
        trim(s.event_id) as event_id,
        trim(s.ticket_id) as ticket_id,
        case
            when journeys_norm_email(s.email) is not null
                then sha256($salt || 'e:' || journeys_norm_email(s.email))
        end as email_key,
        case when p.phone_norm is not null then sha256($salt || 'p:' || p.phone_norm) end
            as phone_key,
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
    left join phone_numbers as p on s.phone = p.phone
)

select * from final
