-- grain: one journey that changed since the last compare: `changed`, a row of marts.journeys
-- with no equal row in the snapshot (intermediate.compare_journeys), or `stale`, a snapshot row
-- with no equal row in marts.journeys; equal on every column of $columns (NULLs equal), which
-- both have in the same order (compare/state.py). journey_id, and started_at when there is one.
with
now as (
    select columns(lambda c: list_contains($columns::varchar[], c))
    from marts.journeys
),

old as (
    select columns(lambda c: list_contains($columns::varchar[], c))
    from intermediate.compare_journeys
),

new_rows as (
    select * from now
    except
    select * from old
),

gone_rows as (
    select * from old
    except
    select * from now
)

select
    'changed' as side,
    columns(lambda c: c in ('journey_id', 'started_at'))
from new_rows
union all
select
    'stale' as side,
    columns(lambda c: c in ('journey_id', 'started_at'))
from gone_rows
