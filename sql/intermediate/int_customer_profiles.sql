-- grain: one stitched customer (customer_key), with the identifiers linked to it and its CRM
-- segment (NULL when no CRM customer is linked). Tickets and log cases are not identities.
select
    i.customer_key,
    count(*) filter (where left(i.node, 2) in ('c:', 'a:', 'e:', 'p:')) as n_identities,
    min(c.segment) as segment,
    min(c.created_at) as created_at,
    bool_or(i.is_stitched) as is_stitched
from intermediate.int_identity as i
left join staging.stg_customers as c on i.node = 'c:' || c.customer_id
group by i.customer_key
