-- The full reason of each checked transaction whose timestamp did not parse
-- (validate_transactions marked it $ts_reason_pending): which layout it has and what to set. A
-- statement of its own, run only when a row is marked: binding these macros took about 14 ms,
-- most of a small file's check.
update landing_checked
set
    _reason = coalesce(_time_column, 'occurred_at') || ' ' || journeys_source_ts_reason(
        occurred_at,
        $date_format,
        'is not a timestamp; use ISO-8601 such as 2026-03-01T10:00:00+01:00'
    )
where _reason = $ts_reason_pending
