-- grain: one CRM customer (trimmed customer_id): the latest delivered row of it (a later
-- delivery of the same id updates it), every column as delivered. The one place that says
-- which CRM row counts: staging.stg_customers, raw.contact_values and queries/customer_values
-- read it. A view of the raw layer: its values are raw.customers' own, in the clear, and no
-- copy of them is written.
select * replace (trim(customer_id) as customer_id)
from raw.customers
where not _is_duplicate
qualify row_number() over (partition by trim(customer_id) order by _seq desc) = 1
