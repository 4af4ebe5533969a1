-- grain: one distinct phone value as delivered, per source that carries phones (CRM, support);
-- ingest/phones.py parses each once into raw.phone_numbers.
SELECT DISTINCT 'customers' AS source, phone FROM raw.customers
WHERE NOT _is_duplicate AND NOT journeys_blank(phone)
UNION
SELECT DISTINCT 'support', phone FROM raw.support
WHERE NOT _is_duplicate AND NOT journeys_blank(phone)
