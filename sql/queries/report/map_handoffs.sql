-- grain: one (from_team, to_team) pair of the handoffs in the journeys of the map $map_name's
-- scope (marts.map_journeys), leaving out handoffs from or to a touchpoint the map ignores (one
-- missing from the journey's path, which is the path after the map's `ignore:`): the handoffs
-- the map is about. Most missed first.
-- Late and missed by this map's own SLAs, as its page explains them: the `within` of the
-- handoff's touchpoint after any other step of the map ($sla_from, $sla_to, $sla_seconds: the
-- pairs of compare/maps.py's handoff_slas for this map alone), else, inside one thread,
-- $handoff_sla_seconds. marts.journey_handoffs holds the build's view (the configured maps' SLAs,
-- the shortest of them), which does not know a map given with `compare --map`.
with slas as (
    select
        unnest($sla_from::varchar[]) as from_touchpoint,
        unnest($sla_to::varchar[]) as to_touchpoint,
        unnest($sla_seconds::bigint[]) as sla_seconds
),

judged as (
    select
        h.from_team,
        h.to_team,
        h.wait_seconds,
        h.repeat_contacts,
        h.reopens,
        h.is_bounce,
        coalesce(
            s.sla_seconds, case when h.same_thread then $handoff_sla_seconds::bigint end
        ) as sla_seconds
    from marts.journey_handoffs as h
    inner join marts.map_journeys as j on h.journey_id = j.journey_id
    left join slas as s
        on h.from_touchpoint = s.from_touchpoint and h.touchpoint = s.to_touchpoint
    where
        j.map_name = $map_name
        and list_contains(j.path, h.touchpoint)
        and list_contains(j.path, h.from_touchpoint)
),

late as (
    -- is_late and is_missed as journey_handoffs.sql defines them, by this map's SLAs
    select
        *,
        coalesce(wait_seconds > sla_seconds, false) as is_late
    from judged
)

select
    from_team,
    to_team,
    count(*) as handoffs,
    count(*) filter (where is_late or repeat_contacts > 0 or reopens > 0) as missed,
    count(*) filter (where is_late) as late,
    count(*) filter (where repeat_contacts > 0) as repeated,
    count(*) filter (where reopens > 0) as reopened,
    count(*) filter (where is_bounce) as bounced,
    median(wait_seconds) as median_wait_seconds,
    min(sla_seconds) as sla_seconds
from late
group by from_team, to_team
order by missed desc, handoffs desc, from_team asc, to_team asc
