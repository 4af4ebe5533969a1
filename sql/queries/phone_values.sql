-- grain: one distinct phone value as delivered, per source that carries phones (CRM, support);
-- ingest/phones.py parses each once into raw.phone_numbers. The CRM's include the numbers among
-- its other contact values (raw.contact_values).
select distinct
    'customers' as source,
    phone
from raw.customers
where not _is_duplicate and not journeys_blank(phone)
union
select distinct
    'customers',
    value
from raw.contact_values
where not contains(value, '@')
union
select distinct
    'support',
    phone
from raw.support
where not _is_duplicate and not journeys_blank(phone)
