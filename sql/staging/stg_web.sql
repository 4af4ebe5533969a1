-- grain: one web analytics event (event_id; the first delivery wins), typed, in UTC.
-- user_id is empty before login and the customer_id after it.
with source as (
    select * from raw.web
    where not _is_duplicate
),

final as (
    select
        journeys_trim(event_id) as event_id,
        nullif(journeys_trim(anonymous_id), '') as anonymous_id,
        nullif(journeys_trim(user_id), '') as user_id,
        journeys_trim(event_type) as event_type,
        occurred_at_utc as occurred_at,
        nullif(journeys_trim(page_path), '') as page_path,
        nullif(journeys_trim(referrer), '') as referrer,
        nullif(journeys_trim(device), '') as device,
        attributes,
        _seq as seq,
        _batch_id as batch_id,
        _is_late as is_late
    from source
)

select * from final
