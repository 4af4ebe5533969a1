-- grain: one support interaction (event_id; the first delivery wins), typed, in UTC.
-- Contacts are identified by email or phone, replaced here by keyed hashes of their normal form.
select
    trim(s.event_id) as event_id,
    trim(ticket_id) as ticket_id,
    case
        when journeys_norm_email(s.email) is not null
            then sha256($salt || 'e:' || journeys_norm_email(s.email))
    end as email_key,
    -- phones: E.164 digits from raw.phone_numbers (parsed per distinct value, ingest/phones.py)
    case when p.phone_norm is not null then sha256($salt || 'p:' || p.phone_norm) end as phone_key,
    coalesce(p.phone_norm is not null and not p.is_parsed, false) as phone_unparsed,
    nullif(lower(trim(channel)), '') as channel,
    nullif(trim(team), '') as team,
    nullif(trim(system), '') as system,
    nullif(trim(category), '') as category,
    trim(event_type) as event_type,
    occurred_at_utc as occurred_at,
    attributes,
    _seq as seq,
    _batch_id as batch_id,
    _is_late as is_late
from raw.support as s
left join raw.phone_numbers as p on p.source = 'support' and s.phone = p.phone
where not s._is_duplicate
