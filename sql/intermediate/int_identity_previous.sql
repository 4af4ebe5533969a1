-- grain: one identifier node with the customer_key it had before this build's stitching
-- (a snapshot taken just before int_identity is rebuilt; compared in int_dirty_customers).
SELECT node, customer_key FROM intermediate.int_identity
