-- grain: one record of a delivered event log row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
select
    _v[$at.event_id] as event_id,
    _v[$at.case_id] as case_id,
    _v[$at.activity] as activity,
    _v[$at.occurred_at] as occurred_at,
    _v[$at.channel] as channel,
    _v[$at.team] as team,
    * exclude (_v)
from landing_numbered
