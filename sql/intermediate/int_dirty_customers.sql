-- grain: one customer whose journeys must be rebuilt: events arrived since the last build
-- ($last_file_seq; 0 before any build = everyone), or its identifiers moved to or from
-- another customer (a later login or contact merged two keys).
select distinct customer_key from (
    select customer_key from intermediate.int_events
    where seq >= (cast($last_file_seq as bigint) + 1) * 1000000000
    union all
    select n.customer_key from intermediate.int_identity as n
    inner join intermediate.int_identity_previous as o using (node)
    where n.customer_key <> o.customer_key
    union all
    select o.customer_key from intermediate.int_identity as n
    inner join intermediate.int_identity_previous as o using (node)
    where n.customer_key <> o.customer_key
) as moved
