-- grain: one event of intermediate.int_events in the build's scope (every customer when $full,
-- else the customers of intermediate.int_path_scope), with its partition: a hash bucket of
-- customer_key, the unit that sessions, journeys and alignments never cross.
select
    e.*,
    hash(e.customer_key) % $parts as part
from intermediate.int_events as e
where $full or e.customer_key in (select s.customer_key from intermediate.int_path_scope as s)
