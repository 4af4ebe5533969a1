-- grain: one record of a delivered transactions row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
select
    _v[$at.event_id] as event_id,
    _v[$at.customer_id] as customer_id,
    _v[$at.order_id] as order_id,
    _v[$at.event_type] as event_type,
    _v[$at.occurred_at] as occurred_at,
    _v[$at.amount] as amount,
    _v[$at.currency] as currency,
    * exclude (_v)
from landing_numbered
