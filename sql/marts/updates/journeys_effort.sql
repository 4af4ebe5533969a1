-- Copies the effort of the journeys just rebuilt (every journey when $full, else those of the
-- customers of intermediate.int_path_scope) from marts.journey_effort into marts.journeys.
update marts.journeys as j
set
    n_contacts = e.contacts,
    n_repeat_contacts = e.repeat_contacts,
    n_missed_handoffs = e.missed_handoffs,
    waiting_seconds = e.waiting_seconds
from marts.journey_effort as e
where
    j.journey_id = e.journey_id
    and ($full or j.customer_key in (select s.customer_key from intermediate.int_path_scope as s))
