-- grain: one web analytics event (event_id; the first delivery wins), typed, in UTC.
-- user_id is empty before login and the customer_id after it.
with source as (
    select * from raw.web
    where not _is_duplicate
),

final as (
    select
        trim(event_id) as event_id,
        nullif(trim(anonymous_id), '') as anonymous_id,
        nullif(trim(user_id), '') as user_id,
        trim(event_type) as event_type,
        occurred_at_utc as occurred_at,
        nullif(trim(page_path), '') as page_path,
        nullif(trim(referrer), '') as referrer,
        nullif(trim(device), '') as device,
        attributes,
        _seq as seq,
        _batch_id as batch_id,
        _is_late as is_late
    from source
)

select * from final
