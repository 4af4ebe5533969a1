-- Whether marts/journeys.sql left a journey's distinct systems, channels or teams uncounted
-- (more than 64 in its part): marts/updates/journeys_distinct.sql then counts them.
select count(*) > 0
from marts.journeys
where n_systems is null or n_channels is null or n_teams is null
