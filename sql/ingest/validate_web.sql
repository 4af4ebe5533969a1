-- grain: one delivered web event, typed, with the first contract violation in _reason
-- (NULL when the row is valid) and its dedup key (event_id).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
with typed as (
    select
        *,
        journeys_parse_ts_as(occurred_at, $tz, $date_format) as occurred_at_utc,
        -- an id that names nobody (journeys_no_id), decided once here: staging reads these
        journeys_no_id(anonymous_id) as no_anonymous_id,
        journeys_no_id(user_id) as no_user_id
    from landing_std
)

select
    *,
    journeys_trim(event_id) as _key,
    case
        when journeys_blank(event_id) then 'event_id is empty; every web event needs its id'
        when no_anonymous_id and no_user_id
            then
                'anonymous_id and user_id name nobody (empty, or a placeholder such as undefined '
                || 'or null); one of them must name the visitor'
        when journeys_rounded(event_id) then journeys_rounded_reason('event_id')
        when journeys_rounded(anonymous_id) then journeys_rounded_reason('anonymous_id')
        when journeys_rounded(user_id) then journeys_rounded_reason('user_id')
        when journeys_blank(event_type) then 'event_type is empty; e.g. page_view'
        when journeys_blank(occurred_at) then 'occurred_at is empty; every event needs its time'
        -- its reason in full: validate_events_ts.sql, run only when a row needs it
        when occurred_at_utc is null then $ts_reason_pending
    end as _reason
from typed
