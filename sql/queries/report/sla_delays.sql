-- grain: one step of the map $map_name with an SLA, with how late its late journeys were.
-- $steps: the map's steps; $within: the seconds each allows since the previous map step
-- (NULL: no SLA). As compare times them (compare/timing.py): the events of a journey in the
-- map's scope that are on a map step, in step order; a step is late when it comes more than its
-- `within` after the previous one. Per late journey its longest wait counts. breaches: late
-- journeys (= marts.map_steps.sla_breaches); median / p90: of their waits;
-- up_to_1_5x, up_to_2x, up_to_4x, over_4x: late journeys by how many times the SLA they waited.
with slas as (
    select
        unnest($steps::varchar[]) as step,
        unnest($within::bigint[]) as within_seconds
),

events as (
    select
        e.journey_id,
        e.step_index,
        e.touchpoint,
        e.occurred_at
    from marts.events as e
    inner join marts.map_journeys as j
        on e.journey_id = j.journey_id and j.map_name = $map_name
    where list_contains($steps::varchar[], e.touchpoint)
),

waits as (
    select
        journey_id,
        touchpoint as step,
        (epoch_ms(occurred_at) - epoch_ms(lag(occurred_at) over w)) / 1000.0 as seconds
    from events
    window w as (partition by journey_id order by step_index)
),

late as (
    select
        w.step,
        w.journey_id,
        max(w.seconds) as seconds,
        any_value(s.within_seconds) as sla
    from waits as w
    inner join slas as s on w.step = s.step
    where s.within_seconds is not null and w.seconds > s.within_seconds
    group by w.step, w.journey_id
)

select
    s.step,
    s.within_seconds,
    count(l.journey_id) as breaches,
    median(l.seconds) as median_seconds,
    quantile_cont(l.seconds, 0.9) as p90_seconds,
    count(*) filter (where l.seconds <= 1.5 * l.sla) as up_to_1_5x,
    count(*) filter (where l.seconds > 1.5 * l.sla and l.seconds <= 2 * l.sla) as up_to_2x,
    count(*) filter (where l.seconds > 2 * l.sla and l.seconds <= 4 * l.sla) as up_to_4x,
    count(*) filter (where l.seconds > 4 * l.sla) as over_4x
from slas as s
left join late as l on s.step = l.step
where s.within_seconds is not null
group by s.step, s.within_seconds
order by s.step
