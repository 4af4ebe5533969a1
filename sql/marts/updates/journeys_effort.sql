-- Copies the effort of the journeys just rebuilt (every journey when $full, else those of the
-- customers of intermediate.int_path_scope) from marts.journey_effort into marts.journeys.
UPDATE marts.journeys AS j
SET
    n_contacts = e.contacts,
    n_repeat_contacts = e.repeat_contacts,
    n_missed_handoffs = e.missed_handoffs,
    waiting_seconds = e.waiting_seconds
FROM marts.journey_effort AS e
WHERE
    j.journey_id = e.journey_id
    AND ($full OR j.customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s))
