-- grain: one column of $contact_columns (sources.customers.contacts) that no loaded CRM row has
-- among its other columns (attributes), with those columns (the first 20, by name), so the
-- build can name both. None while no CRM file is loaded (support files may come first).
with present as (
    select distinct unnest(json_keys(attributes)) as col
    from raw.customers
    where not _is_duplicate
)

select
    t.col,
    (select list(p.col order by p.col)[1:20] from present as p) as columns
from unnest(cast($contact_columns as varchar[])) as t (col)
where
    t.col not in (select p.col from present as p)
    and exists (
        select 1 from raw.customers
        where not _is_duplicate
    )
