-- The path, value, variant_id and first / last touchpoints of the journeys whose events
-- marts/journeys.sql did not aggregate in step order (it leaves path and value NULL then), with
-- ordered aggregates over their events: the same expressions as marts/journeys.sql. Run only
-- when such a journey exists (queries/journeys_path_missing.sql).
update marts.journeys as j
set
    path = o.path,
    value = o.value,
    variant_id = left(md5(array_to_string(o.path, chr(31))), 16),
    first_touchpoint = o.path[1],
    last_touchpoint = o.path[-1]
from (
    select
        e.journey_id,
        list(e.touchpoint order by e.step_index) as path,
        coalesce(sum(e.value order by e.step_index) filter (where e.value <> 0), 0.0) as value
    from marts.events as e
    where
        e.journey_id in (
            select m.journey_id from marts.journeys as m
            where m.path is null
        )
    group by e.journey_id
) as o
where j.journey_id = o.journey_id
