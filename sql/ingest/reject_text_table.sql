-- grain: one rejected row of a CSV or Parquet file: its line and its delivered columns as a
-- JSON object (only the rejected rows are turned into text, each once: a row's milestones are
-- several events, ingest/milestones.sql).
select
    m._line,
    cast(to_json(r) as varchar) as _raw
from (select distinct
    _line,
    _rowid
from landing_marked
where not _valid) as m
inner join landing_raw as r on m._rowid = r.rowid
