-- grain: one CRM customer (customer_id); a later delivery of the same id updates it (its latest
-- row: raw.customers_latest).
-- Emails and phones are normalised, then replaced by keyed hashes: no direct identifier leaves raw.
-- phones: E.164 digits, one row per distinct delivered value (parsed in ingest/phones.py)
with phone_numbers as (
    select
        phone,
        phone_norm,
        journeys_phone_key(phone_norm, $salt) as phone_key,
        is_parsed,
        is_placeholder
    from raw.phone_numbers
    where source = 'customers'
),

latest as (
    select
        *,
        journeys_email_key(email, $salt) as _email_key
    from raw.customers_latest
),

final as (
    select
        c.customer_id,
        case
            when not list_contains(b.email_keys, c._email_key) then c._email_key
        end as email_key,
        case
            when not p.is_placeholder and not list_contains(b.phone_keys, p.phone_key)
                then p.phone_key
        end as phone_key,
        coalesce(p.phone_norm is not null and not p.is_parsed, false) as phone_unparsed,
        nullif(trim(c.segment), '') as segment,
        coalesce(
            try_cast(trim(c.created_at) as date),
            cast(journeys_parse_ts(c.created_at, 'UTC') as date)
        ) as created_at,
        c._seq as seq,
        c._batch_id as batch_id
    from latest as c
    cross join staging.stg_blocked as b  -- identity.blocked
    left join phone_numbers as p on c.phone = p.phone
)

select * from final
