-- grain: one record of a delivered CRM customer row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
SELECT
    _v[$at.customer_id] AS customer_id,
    _v[$at.email] AS email,
    _v[$at.phone] AS phone,
    _v[$at.segment] AS segment,
    _v[$at.created_at] AS created_at,
    * EXCLUDE (_v)
FROM landing_numbered
