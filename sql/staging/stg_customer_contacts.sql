-- grain: one contact detail of a CRM customer beside its one email and phone (the values of
-- raw.contact_values: its other contact columns, a field of several values), as a node of the
-- identity graph: 'e:' and the keyed hash of an address (a value with an @), 'p:' and that of
-- a phone number (raw.phone_numbers). Values that identify nobody (no address, placeholders,
-- staging.stg_blocked) are left out.
with emails as (
    select
        customer_id,
        journeys_email_key(value, $salt) as email_key
    from raw.contact_values
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
from raw.contact_values as v
cross join staging.stg_blocked as b
inner join raw.phone_numbers as p on p.source = 'customers' and v.value = p.phone
where
    not contains(v.value, '@')
    and p.phone_norm is not null
    and not p.is_placeholder
    and not list_contains(b.phone_keys, journeys_phone_key(p.phone_norm, $salt))
