-- grain: one record of a delivered support interaction file (landing_numbered), its contract
-- columns named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
select
    _v[$at.event_id] as event_id,
    _v[$at.ticket_id] as ticket_id,
    _v[$at.email] as email,
    _v[$at.phone] as phone,
    _v[$at.channel] as channel,
    _v[$at.team] as team,
    _v[$at.system] as system,
    _v[$at.category] as category,
    _v[$at.event_type] as event_type,
    _v[$at.occurred_at] as occurred_at,
    * exclude (_v)
from landing_numbered
