-- Whether a checked row's timestamp did not parse and its full reason is still to be written
-- (validate_events_ts.sql, validate_customers_ts.sql, validate_log_ts.sql).
select count(*) > 0 as pending
from landing_checked
where _reason = $ts_reason_pending
