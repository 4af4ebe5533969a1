-- grain: one variant (distinct path) of one customer partition's marts.journeys: its path and
-- length, and how many of the partition's journeys follow it. Partitions never share a
-- journey, so marts.variants adds these counts up exactly (sql/marts/variants.sql).
SELECT
    variant_id,
    any_value(path) AS path,
    any_value(n_steps) AS length,
    count(*) AS journeys
FROM marts.journeys
GROUP BY variant_id
