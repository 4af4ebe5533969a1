-- grain: one web analytics event (event_id; the first delivery wins), typed, in UTC.
-- user_id is empty before login and the customer_id after it. An id that names nobody (empty,
-- or a placeholder such as undefined or null: raw.web.no_anonymous_id and no_user_id, decided
-- at ingest) is NULL: the event is its other id's (ingest rejects an event with neither).
with source as (
    select * from raw.web
    where not _is_duplicate
),

final as (
    select
        trim(event_id) as event_id,
        case when not no_anonymous_id then trim(anonymous_id) end as anonymous_id,
        case when not no_user_id then trim(user_id) end as user_id,
        trim(event_type) as event_type,
        occurred_at_utc as occurred_at,
        nullif(trim(page_path), '') as page_path,
        nullif(trim(referrer), '') as referrer,
        nullif(trim(device), '') as device,
        -- the order a purchase made: the visitor is its buyer (int_identity_edges)
        case when not journeys_no_id(order_id) then trim(order_id) end as order_id,
        attributes,
        _seq as seq,
        _batch_id as batch_id,
        _is_late as is_late
    from source
)

select * from final
