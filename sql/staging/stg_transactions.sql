-- grain: one transaction event (event_id; the first delivery wins), typed, in UTC.
-- customer_id is NULL for a guest checkout (empty, or a placeholder such as 0 or guest:
-- raw.transactions.no_customer_id, decided at ingest): its order is its own customer
-- (intermediate.int_events).
with source as (
    select * from raw.transactions
    where not _is_duplicate
),

final as (
    select
        trim(event_id) as event_id,
        case when not no_customer_id then trim(customer_id) end as customer_id,
        nullif(trim(order_id), '') as order_id,
        trim(event_type) as event_type,
        occurred_at_utc as occurred_at,
        amount_value as amount,
        coalesce(nullif(upper(trim(currency)), ''), amount_currency) as currency,
        attributes,
        _seq as seq,
        _batch_id as batch_id,
        _is_late as is_late
    from source
)

select * from final
