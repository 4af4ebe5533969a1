-- grain: one customer profile of intermediate.int_customer_profiles in the build's scope, with
-- its partition (the same customer_key hash bucket as queries/partition_events.sql).
select
    p.*,
    hash(p.customer_key) % $parts as part
from intermediate.int_customer_profiles as p
where $full or p.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
