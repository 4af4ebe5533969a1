-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
-- Counts come from each customer partition (intermediate.part_pairs) added up, the quantiles from
-- intermediate.int_pair_times, the distinct journeys and customers from
-- intermediate.int_subpath_counts.
with pairs as (
    select
        from_touchpoint,
        to_touchpoint,
        sum(transitions)::bigint as transitions
    from intermediate.part_pairs
    group by all
)

select
    p.from_touchpoint,
    p.to_touchpoint,
    p.transitions,
    c.journeys,
    c.customers,
    t.quantiles[1] as median_seconds,
    t.quantiles[2] as p90_seconds
from pairs as p
inner join intermediate.int_pair_times as t using (from_touchpoint, to_touchpoint)
inner join intermediate.int_subpath_counts as c on c.subpath = [p.from_touchpoint, p.to_touchpoint]
order by p.transitions desc, p.from_touchpoint asc, p.to_touchpoint asc
