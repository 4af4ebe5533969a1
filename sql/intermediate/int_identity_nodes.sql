-- grain: one identifier of the identity graph, numbered from 0 in no particular order: the
-- numbers only tell components apart (int_identity_components); int_identity names each
-- component by its nodes themselves. (No sort of the node names.) node_id is the rowid of
-- int_identity_node_names, written once by this build: 0 to n - 1, each once. A temp view of one
-- stitching (ingest/identity.py, GRAPH).
select
    node,
    rowid as node_id
from int_identity_node_names
