-- Whether marts/journeys.sql left a journey's path unset (its events were not aggregated in step
-- order): marts/updates/journeys_path.sql then computes it.
select count(*) > 0
from marts.journeys
where path is null
