-- grain: one delivered CRM customer row with the first contract violation in _reason (NULL when
-- valid). A CRM export is a snapshot: the dedup key is the row's content, so an unchanged row
-- delivered again is a duplicate and a changed one is an update (the latest wins in staging).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
select
    *,
    cast(null as timestamptz) as occurred_at_utc,
    md5(concat_ws(E'\x1f', customer_id, email, phone, segment, created_at)) as _key,
    case
        when journeys_blank(customer_id) then 'customer_id is empty; every CRM row needs its id'
        when journeys_rounded(customer_id) then journeys_rounded_reason('customer_id')
        when
            not journeys_blank(created_at)
            and not coalesce(
                try_cast(trim(created_at) as date) between date '0001-01-01' and date '9999-12-31',
                false
            )
            and journeys_parse_ts_as(created_at, $tz, $date_format) is null
            -- its reason in full: validate_customers_ts.sql, run only when a row needs it
            then $ts_reason_pending
    end as _reason
from landing_std
