-- grain: one customer profile of intermediate.int_customer_profiles in the build's scope, with
-- its partition (the same customer_key hash bucket as queries/partition_events.sql).
SELECT p.*, hash(p.customer_key) % $parts AS part
FROM intermediate.int_customer_profiles AS p
WHERE $full OR p.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s)
