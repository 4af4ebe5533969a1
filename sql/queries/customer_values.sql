-- grain: one stitched customer whose CRM row has a numeric value >= 0 in the delivered column
-- $column (an attribute of the customers file): customer_key, value. The latest delivery of a
-- CRM customer wins (raw.customers_latest); a customer_key linked to several CRM
-- customers gets their mean.
with latest as (
    select
        customer_id,
        try_cast(json_extract_string(attributes, '$."' || $column || '"') as double) as value
    from raw.customers_latest
)

select
    i.customer_key,
    avg(l.value) as value
from latest as l
inner join intermediate.int_identity as i on i.node = 'c:' || l.customer_id
where l.value >= 0 and isfinite(l.value)
group by i.customer_key
