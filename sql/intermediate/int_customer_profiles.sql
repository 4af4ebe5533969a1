-- grain: one stitched customer (customer_key), with the identifiers linked to it and its CRM
-- segment (NULL when no CRM customer is linked). Tickets and log cases are not identities.
SELECT
    i.customer_key,
    count(*) FILTER (WHERE left(i.node, 2) IN ('c:', 'a:', 'e:', 'p:')) AS n_identities,
    min(c.segment) AS segment,
    min(c.created_at) AS created_at,
    bool_or(i.is_stitched) AS is_stitched
FROM intermediate.int_identity AS i
LEFT JOIN staging.stg_customers AS c ON i.node = 'c:' || c.customer_id
GROUP BY i.customer_key
