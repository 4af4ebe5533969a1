-- grain: one rejected line of a JSON-lines file: its line number and the line as delivered
-- (each once: a line's milestones are several events, ingest/milestones.sql).
select
    m._line,
    r.line as _raw
from (select distinct
    _line,
    _rowid
from landing_marked
where not _valid) as m
inner join landing_raw as r on m._rowid = r.rowid
