-- grain: one identifier node of int_identity_edges with its component, when no
-- link joins two identifiers (queries/identity_link_count is 0: sources none of whose logins or
-- contacts links two; logs alone never get here, int_identity_cases.sql keys them): each is a
-- component of its own, named by its node id as the union-find of identity.py names it
-- (int_identity_components).
select
    node,
    cast(node_id as varchar) as component
from int_identity_nodes
