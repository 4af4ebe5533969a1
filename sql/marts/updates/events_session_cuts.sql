-- Moves the events of over-long sessions to their shorter parts (intermediate.int_session_cuts).
update marts.events as e
set session_id = c.session_id
from intermediate.int_session_cuts as c
where e.seq = c.seq
