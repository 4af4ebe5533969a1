-- grain: one CRM customer (customer_id); a later delivery of the same id updates it.
-- Emails and phones are normalised, then replaced by keyed hashes: no direct identifier leaves raw.
SELECT
    trim(c.customer_id) AS customer_id,
    CASE WHEN journeys_norm_email(c.email) IS NOT NULL
        THEN sha256($salt || 'e:' || journeys_norm_email(c.email)) END AS email_key,
    -- phones: E.164 digits from raw.phone_numbers (parsed per distinct value, ingest/phones.py)
    CASE WHEN p.phone_norm IS NOT NULL THEN sha256($salt || 'p:' || p.phone_norm) END AS phone_key,
    coalesce(p.phone_norm IS NOT NULL AND NOT p.is_parsed, false) AS phone_unparsed,
    nullif(trim(segment), '') AS segment,
    coalesce(try_cast(trim(created_at) AS DATE), CAST(journeys_parse_ts(created_at, 'UTC') AS DATE))
        AS created_at,
    _seq AS seq,
    _batch_id AS batch_id
FROM raw.customers AS c
LEFT JOIN raw.phone_numbers AS p ON p.source = 'customers' AND p.phone = c.phone
WHERE NOT c._is_duplicate
QUALIFY row_number() OVER (PARTITION BY trim(c.customer_id) ORDER BY c._seq DESC) = 1
