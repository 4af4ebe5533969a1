-- grain: one record of a delivered transactions row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
SELECT
    _v[$at.event_id] AS event_id,
    _v[$at.customer_id] AS customer_id,
    _v[$at.order_id] AS order_id,
    _v[$at.event_type] AS event_type,
    _v[$at.occurred_at] AS occurred_at,
    _v[$at.amount] AS amount,
    _v[$at.currency] AS currency,
    * EXCLUDE (_v)
FROM landing_numbered
