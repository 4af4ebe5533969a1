-- grain: one record of a delivered web event file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
select
    _v[$at.event_id] as event_id,
    _v[$at.anonymous_id] as anonymous_id,
    _v[$at.user_id] as user_id,
    _v[$at.event_type] as event_type,
    _v[$at.occurred_at] as occurred_at,
    _v[$at.page_path] as page_path,
    _v[$at.referrer] as referrer,
    _v[$at.device] as device,
    _v[$at.order_id] as order_id,
    * exclude (_v)
from landing_numbered
