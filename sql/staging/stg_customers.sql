-- grain: one CRM customer (customer_id); a later delivery of the same id updates it.
-- Emails and phones are normalised, then replaced by keyed hashes: no direct identifier leaves raw.
SELECT
    trim(customer_id) AS customer_id,
    CASE WHEN journeys_norm_email(email) IS NOT NULL
        THEN sha256($salt || 'e:' || journeys_norm_email(email)) END AS email_key,
    CASE WHEN journeys_norm_phone(phone) IS NOT NULL
        THEN sha256($salt || 'p:' || journeys_norm_phone(phone)) END AS phone_key,
    nullif(trim(segment), '') AS segment,
    coalesce(try_cast(trim(created_at) AS DATE), CAST(journeys_parse_ts(created_at, 'UTC') AS DATE))
        AS created_at,
    _seq AS seq,
    _batch_id AS batch_id
FROM raw.customers
WHERE NOT _is_duplicate
QUALIFY row_number() OVER (PARTITION BY trim(customer_id) ORDER BY _seq DESC) = 1
