-- grain: one event of a ticket- or order-per-row export (landing_rows: one record a row,
-- numbered): each time column the source's milestones name ($milestone_at: its place in _v,
-- $milestone_types: the event it records, $milestone_columns: its name) that holds a value is
-- one event of the row's ticket or order ($owner_at), as Zendesk's ticket export holds Created
-- at and Solved at, or a shop's order export Paid at and Fulfilled at. Its id is the ticket or
-- order, the event and the time as written: the same row delivered again is the same events, a
-- ticket solved again at another time one more. A row none of whose time columns holds a value
-- is one row without a time (_time_column names the columns), which validate_<source> rejects:
-- every delivered row is accepted or kept with a reason. The id, type and time are put at the
-- end of _v, where $at points contract_<source> (ingest/columns.py milestone_params). _order:
-- the event's place in the file's arrival order, the line's then the milestone's (line times
-- the milestones plus its place: below 10^9, ingest/mark_landing's room for a file's rows, for
-- any file of fewer than 333 million rows of three milestones).
with milestones as (
    select
        unnest(range(len($milestone_at::integer[]))) as place,
        unnest($milestone_at::integer[]) as at,
        unnest($milestone_types::varchar[]) as event_type,
        unnest($milestone_columns::varchar[]) as time_column
),

filled as (
    select
        r.*,
        m.event_type as _event_type,
        m.time_column as _column,
        r._v[m.at] as _time,
        m.place as _place
    from landing_rows as r
    cross join milestones as m
    where not journeys_blank(r._v[m.at])
),

unfilled as (
    -- a further row of a ticket or order with times on another row (Shopify's line items: the
    -- order's fields on its first row only) is told so; the reason names no value
    select
        r.*,
        list_extract($milestone_types::varchar[], 1) as _event_type,
        'every milestone column (' || array_to_string($milestone_columns::varchar[], ', ')
        || ')'
        || case
            when r._v[$owner_at] in (select f._v[$owner_at] from filled as f)
                then
                    ' on this further row of its ' || $owner_name
                    || ' (an export of line items fills them on one row only)'
            else ''
        end as _column,
        cast(null as varchar) as _time,
        0 as _place
    from landing_rows as r
    where
        len(list_filter($milestone_at::integer[], lambda a: not journeys_blank(r._v[a]))) = 0
)

select
    * exclude (_event_type, _column, _time, _place) replace (
        list_concat(
            _v,
            [
                concat_ws(':', coalesce(_v[$owner_at], ''), _event_type, _time),
                _event_type,
                _time
            ]
        ) as _v,
        _column as _time_column,
        _line * len($milestone_at::integer[]) + _place as _order
    )
from (
    select * from filled
    union all
    select * from unfilled
) as events
