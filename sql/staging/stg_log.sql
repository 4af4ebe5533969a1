-- grain: one event of an imported event log (a case is a journey as is), typed, in UTC.
-- The case id is kept as delivered ('', 'NA' and 'null' are case ids), except a personal one,
-- which is a keyed hash; email addresses and phone numbers inside activity and team names are
-- masked: those events take their values from staging.stg_log_changes (written with the salt).
-- The channel (--channel-col) is read in lower case, as the help desk's: 'Phone' and 'phone'
-- are one channel, not a switch.
-- The team is the log's --team-col (XES: org:group): a change of it inside a case is a handoff
-- (marts.events.is_team_handoff). A view: its readers (int_events, the identity nodes) read
-- raw.log once each, instead of every event being written once more.
select
    r.event_id,
    case when x.seq is null then r.case_id else x.case_id end as case_id,
    case when x.seq is null then trim(r.activity) else x.activity end as activity,
    r.occurred_at_utc as occurred_at,
    nullif(lower(trim(r.channel)), '') as channel,
    case when x.seq is null then nullif(trim(r.team), '') else x.team end as team,
    r.attributes,
    r._seq as seq,
    r._batch_id as batch_id,
    r._is_late as is_late
from raw.log as r
left join staging.stg_log_changes as x on r._seq = x.seq
where not r._is_duplicate
