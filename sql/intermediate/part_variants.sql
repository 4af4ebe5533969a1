-- grain: one variant (distinct path) of one customer partition's marts.journeys: its path and
-- length, and how many of the partition's journeys follow it. Partitions never share a
-- journey, so marts.variants adds these counts up exactly (sql/marts/variants.sql).
select
    variant_id,
    any_value(path) as path,
    any_value(n_steps) as length,
    count(*) as journeys
from marts.journeys
group by variant_id
