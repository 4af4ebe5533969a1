-- grain: one row per directly-follows pair (from_touchpoint, to_touchpoint).
-- A transition is a pair of consecutive events of one journey (marts.events.next_touchpoint):
-- transitions counts the pairs, journeys / customers the distinct journeys / customers with the
-- pair. median_seconds / p90_seconds: time between the two events (interpolated quantiles).
-- Journey starts and ends are not pseudo-transitions: they are counted in marts.touchpoints.
with times as (
    select
        touchpoint as from_touchpoint,
        next_touchpoint as to_touchpoint,
        count(*) as transitions,
        -- both quantiles from one sort of the pair's times
        quantile_cont(seconds_to_next, [0.5, 0.9]) as quantiles
    from marts.events
    where next_touchpoint is not null
    group by all
)

select
    t.from_touchpoint,
    t.to_touchpoint,
    t.transitions,
    c.journeys,
    c.customers,
    t.quantiles[1] as median_seconds,
    t.quantiles[2] as p90_seconds
from times as t
-- Distinct journeys and customers per pair come from the paths of marts.variants (a journey's
-- touchpoints in step order: the same consecutive pairs as next_touchpoint), one variant at a
-- time, which is far cheaper than de-duplicating (pair, journey) over all the events.
inner join intermediate.int_subpath_counts as c on c.subpath = [t.from_touchpoint, t.to_touchpoint]
order by t.transitions desc, t.from_touchpoint asc, t.to_touchpoint asc
