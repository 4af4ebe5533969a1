-- grain: one edge of the process map of the map $map_name (from_touchpoint, to_touchpoint,
-- two different touchpoints), with the median seconds between them: from the last event of
-- the first touchpoint to the next event, over the events of marts.events that are on the
-- journey's path in marts.map_journeys (so the map's ignored touchpoints are left out), in
-- step order. Journeys are sampled by a hash of journey_id: kept when
-- hash % $modulus < $kept (all of them when $kept = $modulus).
with scope as (
    select
        j.journey_id,
        j.path
    from marts.map_journeys as j
    where j.map_name = $map_name and hash(j.journey_id) % $modulus < $kept
),

events as (
    select
        e.journey_id,
        e.step_index,
        e.touchpoint,
        e.occurred_at
    from marts.events as e
    inner join scope as s
        on e.journey_id = s.journey_id and list_contains(s.path, e.touchpoint)
),

pairs as (
    select
        lag(touchpoint) over w as from_touchpoint,
        touchpoint as to_touchpoint,
        epoch_ms(occurred_at) - epoch_ms(lag(occurred_at) over w) as ms
    from events
    window w as (partition by journey_id order by step_index)
)

select
    from_touchpoint,
    to_touchpoint,
    median(ms) / 1000.0 as median_seconds
from pairs
where from_touchpoint is not null and from_touchpoint <> to_touchpoint
group by from_touchpoint, to_touchpoint
order by from_touchpoint, to_touchpoint
