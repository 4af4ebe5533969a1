-- grain: one CRM customer (customer_id); a later delivery of the same id updates it.
-- Emails and phones are normalised, then replaced by keyed hashes: no direct identifier leaves raw.
select
    trim(c.customer_id) as customer_id,
    case
        when journeys_norm_email(c.email) is not null
            then sha256($salt || 'e:' || journeys_norm_email(c.email))
    end as email_key,
    -- phones: E.164 digits from raw.phone_numbers (parsed per distinct value, ingest/phones.py)
    case when p.phone_norm is not null then sha256($salt || 'p:' || p.phone_norm) end as phone_key,
    coalesce(p.phone_norm is not null and not p.is_parsed, false) as phone_unparsed,
    nullif(trim(segment), '') as segment,
    coalesce(try_cast(trim(created_at) as date), cast(journeys_parse_ts(created_at, 'UTC') as date))
        as created_at,
    _seq as seq,
    _batch_id as batch_id
from raw.customers as c
left join raw.phone_numbers as p on p.source = 'customers' and c.phone = p.phone
where not c._is_duplicate
qualify row_number() over (partition by trim(c.customer_id) order by c._seq desc) = 1
