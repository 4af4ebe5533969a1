-- grain: one row: how long the finished journeys of the map $map_name's scope that reached its
-- outcome ($outcomes: the goal step, else the exit steps; marts.map_journeys.reached_outcome)
-- took, from their first event to their first outcome step: how many, the median and the 90th
-- percentile in seconds (NULL when none reached it).
with reached as (
    select j.journey_id
    from marts.map_journeys as j
    where j.map_name = $map_name and j.reached_outcome and j.status <> 'in_flight'
),

taken as (
    select
        e.journey_id,
        epoch(
            min(e.occurred_at) filter (where list_contains($outcomes::varchar[], e.touchpoint))
        )
        - epoch(min(e.occurred_at)) as seconds
    from marts.events as e
    where e.journey_id in (select r.journey_id from reached as r)
    group by e.journey_id
)

select
    count(seconds) as journeys,
    median(seconds) as median_seconds,
    quantile_cont(seconds, 0.9) as p90_seconds
from taken
