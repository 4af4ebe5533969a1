-- grain: one customer an incremental build rebuilds (intermediate.int_path_scope), with its
-- partition: the customer_key hash bucket that intermediate.int_events is stored in.
select
    s.customer_key,
    hash(s.customer_key) % $parts as part
from intermediate.int_path_scope as s
