-- grain: one row per source of intermediate/int_events.sql, one of the touchpoint rules and one
-- of the texts the model writes itself (the source names, the default channels and systems;
-- keep them the same as there): the distinct values each gives the few-valued text columns of
-- int_events. Their union holds every value of those columns: the build writes them as ENUMs
-- (build.py, int_event_texts), which DuckDB's Parquet writer encodes several times faster
-- than text, into the same column (a change there that this misses stops the build with a
-- conversion error, never a wrong value). NULL: the row gives that column none.
select
    cast(null as varchar[]) as source,
    list(distinct event_type) filter (where event_type is not null) as event_type,
    cast(null as varchar[]) as touchpoint,
    cast(null as varchar[]) as channel,
    cast(null as varchar[]) as team,
    cast(null as varchar[]) as system,
    list(distinct batch_id) filter (where batch_id is not null) as batch_id,
    cast(null as varchar[]) as topic
from staging.stg_transactions
union all
select
    null,
    list(distinct event_type) filter (where event_type is not null),
    null,
    null,
    null,
    null,
    list(distinct batch_id) filter (where batch_id is not null),
    null
from staging.stg_web
union all
select
    null,
    list(distinct event_type) filter (where event_type is not null),
    null,
    list(distinct channel) filter (where channel is not null),
    list(distinct team) filter (where team is not null),
    list(distinct system) filter (where system is not null),
    list(distinct batch_id) filter (where batch_id is not null),
    list(distinct category) filter (where category is not null)
from staging.stg_support
union all
select
    null,
    list(distinct activity) filter (where activity is not null),
    null,
    list(distinct channel) filter (where channel is not null),
    null,
    null,
    list(distinct batch_id) filter (where batch_id is not null),
    null
from staging.stg_log
union all
select
    null,
    null,
    list(distinct touchpoint) filter (where touchpoint is not null),
    list(distinct channel) filter (where channel is not null),
    list(distinct team) filter (where team is not null),
    list(distinct system) filter (where system is not null),
    null,
    null
from staging.touchpoint_rules
union all
select
    ['transactions', 'web', 'support', 'log'],
    null,
    null,
    ['web', 'orders'],
    null,
    ['web analytics', 'order system'],
    null,
    null
