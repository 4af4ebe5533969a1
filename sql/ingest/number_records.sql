-- grain: one record the reader returned (landing_values: its row _rowid in landing_raw) that
-- is not a blank line (contract_<source> reads it as landing_numbered), with _line, its line
-- in the delivered file: _rowid + the _shift of the stretch it lies in (ingest/records.py
-- returned_runs: the reader's rejects, blank lines, lines kept apart and records over several
-- lines move the rows after them). Each stretch is spelled out row by row and joined on the
-- row: an equality join, where an ASOF join sorted every record (all its columns) first.
with runs as (
    select
        unnest(cast($firsts as bigint[])) as _first,
        unnest(cast($shifts as bigint[])) as _shift
),

stretches as (
    select
        _first,
        _shift,
        coalesce(
            lead(_first) over (order by _first), (select count(*) from landing_raw)
        ) as _next
    from runs
),

shifts as (
    select
        unnest(range(_first, _next)) as _rowid,
        _shift
    from stretches
)

select
    v.* exclude (_skip),
    v._rowid + s._shift as _line
from landing_values as v
inner join shifts as s on v._rowid = s._rowid
where not v._skip
