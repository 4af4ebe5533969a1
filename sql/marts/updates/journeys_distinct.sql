-- Counts the distinct systems, channels and teams of the journeys that marts/journeys.sql left
-- NULL (their part had more than 64 of one of them: more than its bit mask holds), with
-- count(distinct), from their events. Run only when such a journey exists
-- (queries/journeys_distinct_missing.sql).
update marts.journeys as j
set
    n_systems = c.n_systems,
    n_channels = c.n_channels,
    n_teams = c.n_teams
from (
    select
        e.journey_id,
        count(distinct e.system) as n_systems,
        count(distinct e.channel) as n_channels,
        count(distinct e.team) as n_teams
    from marts.events as e
    where
        e.journey_id in (
            select m.journey_id from marts.journeys as m
            where m.n_systems is null or m.n_channels is null or m.n_teams is null
        )
    group by e.journey_id
) as c
where j.journey_id = c.journey_id
