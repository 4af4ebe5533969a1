-- grain: one record the reader returned (landing_values: its row _rowid in landing_raw) that
-- is not a blank line (contract_<source> reads it as landing_numbered), with _line, its line
-- in the delivered file: _rowid + the _offset of the stretch it lies in (ingest/records.py
-- returned_runs: the reader's rejects, blank lines, lines kept apart and records over several
-- lines move the rows after them).
with runs as (
    select
        unnest(cast($firsts as bigint[])) as _first,
        unnest(cast($shifts as bigint[])) as _shift
)

select
    v.* exclude (_skip),
    v._rowid + r._shift as _line
from landing_values as v
asof join runs as r on v._rowid >= r._first
where not v._skip
