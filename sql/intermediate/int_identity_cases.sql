-- grain: one case of an imported event log (node l:<case id>), in a warehouse whose only events
-- are imported logs' (queries/only_logs.sql): no identifier links two cases, so each case is a
-- component of its own, keyed as int_identity.sql keys a component without a CRM customer (a
-- keyed hash of its smallest node, here the case itself; $salt). The rows int_identity.sql
-- gives such a graph, without building the graph (ingest/identity.py).
select
    node,
    'ck_' || left(sha256($salt || '|' || node), 16) as customer_key,
    false as is_stitched
from (
    select distinct 'l:' || case_id as node
    from staging.stg_log
) as cases
