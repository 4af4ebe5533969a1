-- grain: one record of a delivered web event file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
SELECT
    _v[$at.event_id] AS event_id,
    _v[$at.anonymous_id] AS anonymous_id,
    _v[$at.user_id] AS user_id,
    _v[$at.event_type] AS event_type,
    _v[$at.occurred_at] AS occurred_at,
    _v[$at.page_path] AS page_path,
    _v[$at.referrer] AS referrer,
    _v[$at.device] AS device,
    * EXCLUDE (_v)
FROM landing_numbered
