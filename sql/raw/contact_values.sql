-- grain: one contact value of a CRM customer beside its one email and phone (stg_customers'):
-- each value of the other contact columns the configuration names ($contact_columns:
-- sources.customers.contacts, e.g. Phone - Mobile, Additional emails), and each value of an
-- email or phone field that holds several (a@x.example; b@y.example), split at ; , | or a line
-- break and trimmed; the customer's latest delivery counts (raw.customers_latest). An address
-- holds an @; ingest/phones.py parses the rest as phone numbers, stg_customer_contacts keys both.
-- Raw layer: the values are written in the clear (to be parsed before they are keyed), as in
-- raw.phone_numbers; staging holds only their keyed hashes.
with latest as (
    select
        customer_id,
        email,
        phone,
        attributes
    from raw.customers_latest
),

columns as (
    -- each value of each named column, split. Unnested in the select lists, here and below: a
    -- lateral unnest (from latest, unnest(...)) is planned as a join of the customers with
    -- their distinct values of what it unnests (the attributes here, (email, phone) below: 0.7
    -- of 0.8 s at 376,000 customers for the few fields that hold several values)
    select
        customer_id,
        unnest(regexp_split_to_array(attributes ->> col, '[;,|\n]')) as value
    from (
        select
            customer_id,
            attributes,
            unnest(cast($contact_columns as varchar[])) as col
        from latest
    ) as named
),

several as (
    -- the email and phone fields that hold several values (few)
    select
        customer_id,
        field
    from (
        select
            customer_id,
            unnest([email, phone]) as field
        from latest
    ) as fields
    where regexp_matches(field, '[;,|\n]')
)

select
    customer_id,
    trim(value) as value
from columns
where not journeys_blank(value)
union all
-- the email or phone field of several values (a field of one is stg_customers')
select
    s.customer_id,
    trim(v.value)
from several as s,
    unnest(regexp_split_to_array(s.field, '[;,|\n]')) as v (value)
where not journeys_blank(v.value)
