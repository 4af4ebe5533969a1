-- grain: one delivered support interaction, typed, with the first contract violation in _reason
-- (NULL when the row is valid) and its dedup key (event_id).
-- A reason names the column and the problem, never the value: raw.rejects is published, and a
-- value in the wrong column can be anyone's email (the raw text beside it is masked there).
WITH typed AS (
    SELECT *, journeys_parse_ts(occurred_at, $tz) AS occurred_at_utc FROM landing_std
)
SELECT *,
    trim(event_id) AS _key,
    CASE
        WHEN journeys_blank(event_id) THEN 'event_id is empty; every interaction needs its id'
        WHEN journeys_blank(ticket_id) THEN 'ticket_id is empty; every interaction belongs to a ticket'
        WHEN journeys_blank(event_type) THEN 'event_type is empty; e.g. ticket_opened'
        WHEN journeys_blank(occurred_at) THEN 'occurred_at is empty; every event needs its time'
        WHEN occurred_at_utc IS NULL THEN 'occurred_at ' || coalesce(
            journeys_ts_problem(occurred_at),
            'is not a timestamp; use YYYY-MM-DD HH:MM:SS (source timezone) or ISO-8601'
        )
    END AS _reason
FROM typed
