-- grain: one sub-path of one or two touchpoints: a touchpoint ([touchpoint]) or a
-- directly-follows pair ([from, to]), over every customer partition (intermediate.part_subpaths:
-- a journey and a customer belong to one partition, so their distinct counts add up).
-- journeys / customers: distinct journeys / customers with it, for marts.touchpoints and
-- marts.transitions.
SELECT
    subpath,
    sum(journeys)::BIGINT AS journeys,
    sum(customers)::BIGINT AS customers
FROM intermediate.part_subpaths
GROUP BY subpath
