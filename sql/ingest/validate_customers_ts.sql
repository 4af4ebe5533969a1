-- The full reason of each checked CRM row whose created_at did not parse (validate_customers
-- marked it $ts_reason_pending): which layout it has and what to set. A statement of its own,
-- run only when a row is marked: binding these macros took about 14 ms, most of a small file's
-- check.
update landing_checked
set
    _reason = 'created_at ' || journeys_source_ts_reason(
        created_at, $date_format, 'is not a date; use YYYY-MM-DD'
    )
where _reason = $ts_reason_pending
