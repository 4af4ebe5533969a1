-- grain: one identifier node with its component as label propagation over partitions found it
-- (ingest/components.py): the smallest node id of the component. Reads the temp view
-- identity_labels (node_id, component) over the last round's label files; replaces the union-find
-- view of int_identity_components in a partitioned build.
select
    n.node,
    cast(l.component as varchar) as component
from int_identity_nodes as n
inner join identity_labels as l on n.node_id = l.node
