-- grain: one customer an incremental build rebuilds (intermediate.int_path_scope), with its
-- partition: the customer_key hash bucket that intermediate.int_events is stored in.
SELECT s.customer_key, hash(s.customer_key) % $parts AS part
FROM intermediate.int_path_scope AS s
