-- grain: one row: the nodes, customers (components) and stitched customers of int_identity.
SELECT count(*) AS nodes,
    count(DISTINCT customer_key) AS customers,
    count(DISTINCT customer_key) FILTER (WHERE is_stitched) AS stitched_customers
FROM intermediate.int_identity
