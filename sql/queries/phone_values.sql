-- grain: one distinct phone value as delivered, per source that carries phones (CRM, support);
-- ingest/phones.py parses each once into raw.phone_numbers. The CRM's include the numbers of
-- the other contact columns it names ($contact_columns: sources.customers.contacts) and of a
-- phone field of several numbers, split at ; , or | as staging/stg_customer_contacts splits them.
select distinct
    'customers' as source,
    phone
from raw.customers
where not _is_duplicate and not journeys_blank(phone)
union
select distinct
    'customers',
    trim(v.value)
from raw.customers as c,
    unnest(cast($contact_columns as varchar[])) as t (col),
    unnest(regexp_split_to_array(c.attributes ->> t.col, '[;,|\n]')) as v (value)
where not c._is_duplicate and not journeys_blank(v.value) and not contains(v.value, '@')
union
select distinct
    'customers',
    trim(v.value)
from raw.customers as c,
    unnest(regexp_split_to_array(c.phone, '[;,|\n]')) as v (value)
where
    not c._is_duplicate and regexp_matches(c.phone, '[;,|\n]') and not journeys_blank(v.value)
union
select distinct
    'support',
    phone
from raw.support
where not _is_duplicate and not journeys_blank(phone)
