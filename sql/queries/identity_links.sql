-- grain: one link of the identity graph in one direction (every link twice, a self-link once),
-- as node ids (int_identity_nodes), with the partition of its first end: the input of label
-- propagation (ingest/components.py), whose partition k owns the nodes of hash bucket k.
with ids as (
    select
        l.node_id as a,
        r.node_id as b
    from int_identity_edges as e
    inner join int_identity_nodes as l on e.left_node = l.node
    inner join int_identity_nodes as r on e.right_node = r.node
)

select
    a,
    b,
    hash(a) % $parts as part
from (
    select
        a,
        b
    from ids
    union all
    select
        b,
        a
    from ids
    where a <> b
) as both_ways
