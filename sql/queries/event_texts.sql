-- grain: one row: the distinct values of the few-valued text columns of intermediate.int_events
-- (NULL: the column holds none). A partition's build reads these columns as ENUMs of them
-- (paths/partitions.py, _define_events): sorted, carried and written as small codes, each
-- read back as the same text.
select
    list(distinct source) filter (where source is not null) as source,
    list(distinct touchpoint) filter (where touchpoint is not null) as touchpoint,
    list(distinct event_type) filter (where event_type is not null) as event_type,
    list(distinct channel) filter (where channel is not null) as channel,
    list(distinct team) filter (where team is not null) as team,
    list(distinct system) filter (where system is not null) as system
from intermediate.int_events
