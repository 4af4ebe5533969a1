-- grain: one identifier of the identity graph (a node of int_identity_edges), numbered from 0
-- in no particular order: the numbers only tell components apart (int_identity_components);
-- int_identity names each component by its nodes themselves. (No sort of the node names.)
select
    node,
    cast(row_number() over () - 1 as bigint) as node_id
from (
    select left_node as node from intermediate.int_identity_edges
    union
    select right_node from intermediate.int_identity_edges
) as edge_nodes
