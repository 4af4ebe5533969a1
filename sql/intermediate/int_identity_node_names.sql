-- grain: one identifier of the identity graph (a node of int_identity_edges), kept without a
-- number: its number is the table's rowid (0 to n - 1 for a table written once and committed,
-- in no particular order), which int_identity_nodes names node_id. Numbering it here with
-- row_number() over () ran on one thread and stored one more column: 1.0-1.5 s for the 1.9M
-- nodes of 10M events, against 0.6-0.7 s. A temp table of one stitching (ingest/identity.py,
-- GRAPH), named without a schema.
select left_node as node from int_identity_edges
union
select right_node from int_identity_edges
