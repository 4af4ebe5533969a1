-- grain: one stitched customer whose CRM row has a numeric value >= 0 in the delivered column
-- $column (an attribute of the customers file): customer_key, value. The latest delivery of a
-- CRM customer wins, as in staging.stg_customers; a customer_key linked to several CRM
-- customers gets their mean.
WITH latest AS (
    SELECT
        trim(customer_id) AS customer_id,
        try_cast(json_extract_string(attributes, '$."' || $column || '"') AS DOUBLE) AS value
    FROM raw.customers
    WHERE NOT _is_duplicate
    QUALIFY row_number() OVER (PARTITION BY trim(customer_id) ORDER BY _seq DESC) = 1
)

SELECT
    i.customer_key,
    avg(l.value) AS value
FROM latest AS l
JOIN intermediate.int_identity AS i ON i.node = 'c:' || l.customer_id
WHERE l.value >= 0 AND isfinite(l.value)
GROUP BY i.customer_key
