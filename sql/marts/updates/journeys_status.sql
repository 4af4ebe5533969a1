-- Sets every journey's status from intermediate.int_journey_status (the cut-off moves on each
-- build, so the status of journeys that were not rebuilt can change too).
UPDATE marts.journeys AS j
SET status = s.status
FROM intermediate.int_journey_status AS s
WHERE j.journey_id = s.journey_id AND j.status IS DISTINCT FROM s.status
