-- grain: one identifier of the identity graph (a node of int_identity_edges), numbered in sort
-- order from 0, so the smallest node of a component is the one with the smallest node_id.
select
    node,
    cast(row_number() over (order by node) - 1 as bigint) as node_id
from (
    select left_node as node from intermediate.int_identity_edges
    union
    select right_node from intermediate.int_identity_edges
) as edge_nodes
