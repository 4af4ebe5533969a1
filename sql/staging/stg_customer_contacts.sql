-- grain: one contact detail of a CRM customer in the other contact columns the configuration
-- names ($contact_columns: sources.customers.contacts, e.g. Phone - Mobile, Additional emails),
-- or in its email or phone field when that holds several (a@x.example; b@y.example, which
-- stg_customers keys as none), as a node of the identity graph: 'e:' and the keyed hash of an
-- address (a value with an @, in journeys_norm_email's form), 'p:' and that of a phone number
-- (raw.phone_numbers). Several values in one field are split at ; , or |. The customer's latest
-- delivery counts (as in stg_customers); values that identify nobody (no address,
-- placeholders, staging.stg_blocked) are left out.
with latest as (
    select
        trim(customer_id) as customer_id,
        email,
        phone,
        attributes
    from raw.customers
    where not _is_duplicate
    qualify row_number() over (partition by trim(customer_id) order by _seq desc) = 1
),

contact_values as (
    select
        l.customer_id,
        trim(v.value) as value
    from latest as l,
        unnest(cast($contact_columns as varchar[])) as t (col),
        unnest(regexp_split_to_array(l.attributes ->> t.col, '[;,|\n]')) as v (value)
    where not journeys_blank(v.value)
    union all
    -- the email or phone field of several values (a field of one is stg_customers')
    select
        l.customer_id,
        trim(v.value)
    from latest as l,
        unnest([l.email, l.phone]) as t (field),
        unnest(regexp_split_to_array(t.field, '[;,|\n]')) as v (value)
    where regexp_matches(t.field, '[;,|\n]') and not journeys_blank(v.value)
),

emails as (
    select
        customer_id,
        journeys_email_key(value, $salt) as email_key
    from contact_values
    where contains(value, '@')
)

select distinct
    e.customer_id,
    'e:' || e.email_key as contact
from emails as e
cross join staging.stg_blocked as b
where e.email_key is not null and not list_contains(b.email_keys, e.email_key)
union
select distinct
    v.customer_id,
    'p:' || journeys_phone_key(p.phone_norm, $salt)
from contact_values as v
cross join staging.stg_blocked as b
inner join raw.phone_numbers as p on p.source = 'customers' and v.value = p.phone
where
    not contains(v.value, '@')
    and p.phone_norm is not null
    and not p.is_placeholder
    and not list_contains(b.phone_keys, journeys_phone_key(p.phone_norm, $salt))
