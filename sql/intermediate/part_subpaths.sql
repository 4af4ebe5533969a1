-- grain: one sub-path of one or two touchpoints in the paths of one customer partition's
-- variants (intermediate.part_variants): a touchpoint (subpath = [touchpoint]) or a
-- directly-follows pair (subpath = [from, to]). journeys / customers: distinct journeys /
-- customers (marts.journeys.customer_key) of the partition with it; customers is 0 when none of
-- its journeys has a customer. A customer's journeys are all in one partition, so the counts of
-- the partitions add up to the distinct counts over all the data (int_subpath_counts).
-- Counted from the variants rather than from every event.
with

-- each variant's distinct sub-paths; next_touchpoint NULL: the touchpoint alone
variant_subpaths as (
    select distinct
        variant_id,
        journeys,
        touchpoint,
        next_touchpoint
    from (
        select
            variant_id,
            journeys,
            unnest(path) as touchpoint,
            null as next_touchpoint
        from intermediate.part_variants
        union all
        -- two unnests side by side pair each touchpoint with the next ([:-2]: all but the last)
        select
            variant_id,
            journeys,
            unnest(path[:-2]),
            unnest(path[2:])
        from intermediate.part_variants
    ) as steps
),

-- Sub-paths and customers get integer ids here: the de-duplication below compares numbers, not
-- touchpoint names and customer keys.
subpath_journeys as (
    select
        *,
        row_number() over () as subpath_id
    from (
        select
            touchpoint,
            next_touchpoint,
            sum(journeys)::bigint as journeys
        from variant_subpaths
        group by all
    ) as counted
),

variant_subpath_ids as (
    select
        v.variant_id,
        s.subpath_id
    from variant_subpaths as v
    inner join subpath_journeys as s
        on
            v.touchpoint = s.touchpoint
            and v.next_touchpoint is not distinct from s.next_touchpoint
),

variant_subpath_lists as (
    select
        variant_id,
        list(subpath_id) as subpath_ids
    from variant_subpath_ids
    group by variant_id
),

customer_variants as (
    select
        row_number() over () as customer_no,
        variants
    from (
        select list(distinct variant_id) as variants
        from marts.journeys
        where customer_key is not null
        group by customer_key
    ) as variant_lists
),

-- A customer whose journeys all follow one variant has that variant's sub-paths: such customers
-- are counted per variant. Customers with several variants are de-duplicated per sub-path.
customer_counts as (
    select
        v.subpath_id,
        sum(o.customers) as n
    from (
        select
            variants[1] as variant_id,
            count(*) as customers
        from customer_variants
        where len(variants) = 1
        group by all
    ) as o
    inner join variant_subpath_ids as v using (variant_id)
    group by v.subpath_id
    union all
    select
        subpath_id,
        count(*) as n
    from (
        -- each customer's distinct sub-paths: its variants' lists of them merged per customer
        -- (cheaper than de-duplicating every (customer, sub-path) pair in one hash table: 8.7M
        -- pairs at 10M events)
        select unnest(list_distinct(flatten(list(v.subpath_ids)))) as subpath_id
        from (
            select
                customer_no,
                unnest(variants) as variant_id
            from customer_variants
            where len(variants) > 1
        ) as s
        inner join variant_subpath_lists as v using (variant_id)
        group by s.customer_no
    ) as pairs
    group by subpath_id
)

select
    case
        when s.next_touchpoint is null then [s.touchpoint]
        else [s.touchpoint, s.next_touchpoint]
    end as subpath,
    s.journeys,
    coalesce(sum(c.n), 0)::bigint as customers
from subpath_journeys as s
left join customer_counts as c using (subpath_id)
group by all
