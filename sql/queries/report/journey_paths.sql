-- grain: one journey of $ids (the example journeys of a map's gap table), with its path.
SELECT j.journey_id, j.path
FROM marts.journeys AS j
WHERE j.journey_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY j.journey_id
