-- grain: one record of a delivered CRM customer row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks).
select
    _v[$at.customer_id] as customer_id,
    _v[$at.email] as email,
    _v[$at.phone] as phone,
    _v[$at.segment] as segment,
    _v[$at.created_at] as created_at,
    * exclude (_v)
from landing_numbered
