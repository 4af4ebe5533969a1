-- grain: one event of intermediate.int_events in the build's scope (every customer when $full,
-- else the customers of intermediate.int_path_scope), with its partition: a hash bucket of
-- customer_key, the unit that sessions, journeys and alignments never cross.
SELECT e.*, hash(e.customer_key) % $parts AS part
FROM intermediate.int_events AS e
WHERE $full OR e.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s)
