-- grain: one sub-path of one or two touchpoints: a touchpoint ([touchpoint]) or a
-- directly-follows pair ([from, to]), over every customer partition (intermediate.part_subpaths:
-- a journey and a customer belong to one partition, so their distinct counts add up).
-- journeys / customers: distinct journeys / customers with it, for marts.touchpoints and
-- marts.transitions.
select
    subpath,
    sum(journeys)::bigint as journeys,
    sum(customers)::bigint as customers
from intermediate.part_subpaths
group by subpath
