-- grain: one rejected line of a JSON-lines file: its line number and the line as delivered.
select
    m._line,
    r.line as _raw
from (select
    _line,
    _rowid
from landing_marked
where not _valid) as m
inner join landing_raw as r on m._rowid = r.rowid
