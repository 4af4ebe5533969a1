-- grain: one row of an imported event log with the first violation in _reason (NULL when valid).
-- The case id is a value as delivered: '', 'NA' and 'null' are case ids, not missing values.
-- event_id: the log's own id (--event-id-col), else a content key: a hash of the case, the
-- activity, the instant and the other columns, numbered when the same content comes more than
-- once in the file. It never depends on the row's position, so a re-delivered log, in any
-- order, has the same keys, and two files' different events never share one.
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
-- Timestamps are ISO-8601 (naive ones read in $tz; XES and OCEL, $standard, require it, so
-- their reason offers no --date-format, which they refuse), or in the layout $date_format names
-- (--date-format); a date written 25/03/2026 or 25-Mar-2026 09:00 without one is rejected
-- with the layout to pass, and so is one that a --date-format with day and month the other way
-- round does not read (ingest/logreading.py then refuses the file: the rows it did read would
-- have day and month swapped).
-- Lifecycle: $lifecycle_path points at the row's transition among its other columns (the XES key
-- lifecycle:transition, or --lifecycle-col); blank counts as complete. With $lifecycle
-- 'complete' a row of another transition is marked _left_out (ingest/load.py drops it and counts
-- it, as XES import leaves such events out); with 'all' it is named 'Register (start)'.
with transitions as (
    select
        *,
        case
            when $lifecycle_path is not null
                then nullif(lower(journeys_trim(attributes ->> $lifecycle_path)), '')
        end as _transition
    from landing_std
),

typed as (
    select
        * exclude (_transition) replace (
            case
                when $lifecycle = 'all' and _transition <> 'complete'
                    then activity || ' (' || _transition || ')'
                else activity
            end as activity
        ),
        journeys_parse_ts_as(occurred_at, $tz, $date_format) as occurred_at_utc,
        $lifecycle = 'complete' and _transition <> 'complete' and _parse_error is null
            as _left_out
    from transitions
),

hashed as materialized (
    -- materialized: read three times below (computed again each time, the statement was slower)
    select
        *,
        md5(concat_ws(
            chr(31),
            coalesce(case_id, chr(0)),
            coalesce(activity, chr(0)),
            coalesce(cast(occurred_at_utc as varchar), occurred_at, chr(0)),
            coalesce(channel, chr(0)),
            coalesce(team, chr(0)),
            coalesce(cast(attributes as varchar), chr(0))
        )) as _content
    from typed
),

repeated as (
    -- the content keys that come more than once in the file (a log repeats few rows, if any):
    -- grouped by their 64-bit hash first, cheaper than grouping every 32-character key; only
    -- the keys of a hash seen twice are grouped by the key itself
    select _content
    from hashed
    where
        hash(_content) in (
            select hash(h._content) as k from hashed as h
            group by k
            having count(*) > 1
        )
    group by _content
    having count(*) > 1
),

numbered as (
    -- the rows of a repeated content, numbered in file order; every other row is its content's
    -- first. (A window over every row sorted the wide rows by content: the statement took
    -- 0.25 s of 250,000 events, 0.91 s of a million; 0.23 and 0.79 s so.)
    select
        h._line,
        row_number() over (partition by h._content order by h._line) as n
    from hashed as h
    semi join repeated as r on h._content = r._content
),

keyed as (
    select
        h.* exclude (_content) replace (
            coalesce(
                nullif(journeys_trim(h.event_id), ''),
                'k' || left(h._content, 24) || '-' || cast(coalesce(n.n, 1) as varchar)
            ) as event_id
        )
    from hashed as h
    left join numbered as n on h._line = n._line
)

select
    *,
    event_id as _key,
    case
        when case_id is null then 'case id is missing in this row; every event needs its case'
        when journeys_rounded(case_id) then journeys_rounded_reason('the case id')
        when journeys_rounded(event_id) then journeys_rounded_reason('the event id')
        when journeys_blank(activity) then 'activity is empty; every event needs its activity'
        when journeys_blank(occurred_at) then 'the timestamp is empty; every event needs its time'
        when occurred_at_utc is null and $standard is not null
            then
                'the timestamp is not ISO-8601, which ' || $standard || ' requires (e.g. '
                || '2026-03-25T09:00:00.000+01:00); fix it in the tool that exported the log'
        -- its reason in full: validate_log_ts.sql, run only when a row needs it
        when occurred_at_utc is null then $ts_reason_pending
    end as _reason
from keyed
