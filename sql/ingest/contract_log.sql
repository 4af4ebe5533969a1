-- grain: one record of a delivered event log row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
SELECT
    _v[$at.event_id] AS event_id,
    _v[$at.case_id] AS case_id,
    _v[$at.activity] AS activity,
    _v[$at.occurred_at] AS occurred_at,
    _v[$at.channel] AS channel,
    * EXCLUDE (_v)
FROM landing_numbered
