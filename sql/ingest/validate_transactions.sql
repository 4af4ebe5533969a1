-- grain: one delivered transactions row, typed, with the first contract violation in _reason
-- (NULL when the row is valid) and its dedup key (event_id).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
-- amount_value: the amount read with the source's decimal separator ($decimal: '.' or ','),
-- whatever currency marks it (19,90 €, $1,249.70); amount_currency: the currency it names
-- (journeys_amount_currency; NULL for none, or a symbol of several currencies such as $, which
-- the currency column must then name), the row's currency where that column is empty.
-- A guest checkout's customer_id is empty or a placeholder (0, guest): its order is its own
-- customer (staging.stg_transactions), so it needs the order id (no_customer_id, stored).
with typed as (
    select
        *,
        journeys_parse_ts_as(occurred_at, $tz, $date_format) as occurred_at_utc,
        journeys_amount(amount, $decimal) as _amount,
        journeys_amount_currency(amount) as _marked,
        journeys_no_id(customer_id) as no_customer_id
    from landing_std
)

select
    * exclude (_amount, _marked),
    _amount as amount_value,
    nullif(_marked, '?') as amount_currency,
    journeys_trim(event_id) as _key,
    case
        when journeys_blank(event_id) then 'event_id is empty; every transaction needs its id'
        when no_customer_id and journeys_blank(order_id)
            then
                'customer_id and order_id are both empty (or a placeholder such as 0 or guest); '
                || 'a guest''s transaction needs its order'
        when journeys_rounded(event_id) then journeys_rounded_reason('event_id')
        when journeys_rounded(customer_id) then journeys_rounded_reason('customer_id')
        when journeys_rounded(order_id) then journeys_rounded_reason('order_id')
        when journeys_blank(event_type) then 'event_type is empty; e.g. order_placed'
        when journeys_blank(occurred_at)
            then coalesce(_time_column, 'occurred_at') || ' is empty; every event needs its time'
        -- its reason in full: validate_events_ts.sql, run only when a row needs it
        when occurred_at_utc is null then $ts_reason_pending
        when not journeys_blank(amount) and (_amount is null or not isfinite(_amount))
            then 'amount ' || journeys_amount_problem(amount, $decimal)
        when abs(_amount) > 1e15
            then
                'amount is beyond 10^15; no payment is that large (journey values add amounts up '
                || 'and would overflow): check the export''s units and decimal separator'
        when _amount < 0
            then 'amount is negative; send refunds as refund_issued with a positive amount'
        when _marked = '?' and journeys_blank(currency)
            then
                'amount is marked with a symbol of several currencies ($, ¥ or kr) and the '
                || 'currency column is empty; fill the currency column (USD, CAD, JPY, SEK ...)'
        when _marked <> '?' and not journeys_blank(currency) and _marked <> upper(trim(currency))
            then
                'amount is marked ' || _marked || ' but the currency column names another '
                || 'currency; fix one of them'
    end as _reason
from typed
