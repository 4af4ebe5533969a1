-- The full reason of each checked log event whose timestamp did not parse (validate_log marked
-- it $ts_reason_pending; a log of a standard, XES or OCEL, has its reason there): which layout
-- it has and what to pass. A statement of its own, run only when a row is marked: binding these
-- macros took about 10 ms of the check.
-- journeys_dmy_problem written once (each copy of a macro is planned again: 11 ms)
update landing_checked
set
    _reason = case
        when $date_format is null then 'the timestamp column '
        else 'the timestamp column does not match --date-format ''' || $date_format || ''''
    end
    || coalesce(
        case when $date_format is null then journeys_ts_problem(occurred_at) end,
        case when $date_format is not null then '; it ' else '' end
        || journeys_dmy_problem(occurred_at),
        case when $date_format is null then journeys_layout_problem(occurred_at) end,
        case
            when $date_format is null
                then 'is not a timestamp; use ISO-8601, or pass --date-format'
            else ''
        end
    )
where _reason = $ts_reason_pending
