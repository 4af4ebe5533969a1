-- grain: one record of a delivered support interaction file (landing_numbered), its contract
-- columns named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
SELECT
    _v[$at.event_id] AS event_id,
    _v[$at.ticket_id] AS ticket_id,
    _v[$at.email] AS email,
    _v[$at.phone] AS phone,
    _v[$at.channel] AS channel,
    _v[$at.team] AS team,
    _v[$at.system] AS system,
    _v[$at.category] AS category,
    _v[$at.event_type] AS event_type,
    _v[$at.occurred_at] AS occurred_at,
    * EXCLUDE (_v)
FROM landing_numbered
