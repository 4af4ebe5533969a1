-- Moves the events of over-long sessions to their shorter parts (intermediate.int_session_cuts).
UPDATE marts.events AS e
SET session_id = c.session_id
FROM intermediate.int_session_cuts AS c
WHERE e.seq = c.seq
