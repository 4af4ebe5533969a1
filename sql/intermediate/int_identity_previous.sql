-- grain: one identifier node with the customer_key it had before this build's stitching
-- (a snapshot taken just before int_identity is rebuilt; compared in int_dirty_customers).
select
    node,
    customer_key
from intermediate.int_identity
