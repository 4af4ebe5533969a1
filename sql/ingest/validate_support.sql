-- grain: one delivered support interaction, typed, with the first contract violation in _reason
-- (NULL when the row is valid) and its dedup key (event_id).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
with typed as (
    select
        *,
        journeys_parse_ts_as(occurred_at, $tz, $date_format) as occurred_at_utc
    from landing_std
)

select
    *,
    journeys_trim(event_id) as _key,
    case
        when journeys_blank(event_id) then 'event_id is empty; every interaction needs its id'
        when
            journeys_blank(ticket_id)
            then 'ticket_id is empty; every interaction belongs to a ticket'
        when journeys_rounded(event_id) then journeys_rounded_reason('event_id')
        when journeys_rounded(ticket_id) then journeys_rounded_reason('ticket_id')
        when journeys_blank(event_type) then 'event_type is empty; e.g. ticket_opened'
        when journeys_blank(occurred_at)
            then coalesce(_time_column, 'occurred_at') || ' is empty; every event needs its time'
        -- its reason in full: validate_events_ts.sql, run only when a row needs it
        when occurred_at_utc is null then $ts_reason_pending
    end as _reason
from typed
