-- grain: one directly-follows pair (from_touchpoint, to_touchpoint) of one customer partition's
-- marts.events, with how many times it occurs there (marts.transitions adds them up).
select
    touchpoint as from_touchpoint,
    next_touchpoint as to_touchpoint,
    count(*) as transitions
from marts.events
where next_touchpoint is not null
group by all
