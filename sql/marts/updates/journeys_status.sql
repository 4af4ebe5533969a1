-- Sets every journey's status from intermediate.int_journey_status (the cut-off moves on each
-- build, so the status of journeys that were not rebuilt can change too).
update marts.journeys as j
set status = s.status
from intermediate.int_journey_status as s
where j.journey_id = s.journey_id and j.status is distinct from s.status
