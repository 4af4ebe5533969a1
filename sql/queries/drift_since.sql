-- grain: one drift event of marts.map_drift whose period ended less than $seconds before the
-- newest event of marts.journeys (`journeys drift --since`), newest period first, then the most
-- significant.
with newest as (
    select max(ended_at) as at from marts.journeys
)

select d.*
from marts.map_drift as d
cross join newest as n
where
    d.period + case when d.grain = 'day' then interval 1 day else interval 7 day end
    > n.at - to_seconds(cast($seconds as bigint))
order by d.period desc, d.q_value asc, d.map_name asc, d.gap_id asc, d.measure asc
