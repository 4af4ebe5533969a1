-- grain: one row per customer whose sessions and journeys an incremental build rebuilds
-- (the customers of intermediate.int_dirty_customers). A full build writes it empty.
SELECT DISTINCT customer_key
FROM intermediate.int_dirty_customers
WHERE customer_key IS NOT NULL
