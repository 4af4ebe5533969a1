-- landing_parse_rejects of a file the reader read every record of, none kept apart: the
-- columns of parse_rejects.sql, no rows (that statement's planning took 4 ms of each load).
create or replace temp table landing_parse_rejects (_line hugeint, _raw varchar, _reason varchar)
