-- grain: one row: the nodes, customers (components) and stitched customers of int_identity.
select
    count(*) as nodes,
    count(distinct customer_key) as customers,
    count(distinct customer_key) filter (where is_stitched) as stitched_customers
from intermediate.int_identity
