-- The full reason of each checked web event, transaction or support interaction whose timestamp
-- did not parse (validate_<source> marked it $ts_reason_pending): which layout it has and what
-- to set. A statement of its own, run only when a row is marked: binding these macros took
-- about 14 ms, most of a small file's check.
update landing_checked
set
    _reason = coalesce(_time_column, 'occurred_at') || ' ' || journeys_source_ts_reason(
        occurred_at,
        $date_format,
        case $source
            when 'web' then 'is not a timestamp; use ISO-8601 such as 2026-03-01T10:00:00.000Z'
            when 'transactions'
                then 'is not a timestamp; use ISO-8601 such as 2026-03-01T10:00:00+01:00'
            else 'is not a timestamp; use YYYY-MM-DD HH:MM:SS (source timezone) or ISO-8601'
        end
    )
where _reason = $ts_reason_pending
