-- grain: one row per customer whose sessions and journeys an incremental build rebuilds
-- (the customers of intermediate.int_dirty_customers). A full build writes it empty.
select distinct customer_key
from intermediate.int_dirty_customers
where customer_key is not null
