-- grain: one record the reader returned (landing_values: its row _rowid in landing_raw) that
-- is not a blank line (contract_<source> reads it as landing_numbered), with _line, its line
-- in the delivered file: _rowid + the _offset of the stretch it lies in (ingest/records.py
-- returned_runs: the reader's rejects, blank lines, lines kept apart and records over several
-- lines move the rows after them).
WITH runs AS (
    SELECT unnest(CAST($firsts AS BIGINT[])) AS _first,
        unnest(CAST($shifts AS BIGINT[])) AS _shift
)
SELECT v.* EXCLUDE (_skip), v._rowid + r._shift AS _line
FROM landing_values AS v
ASOF JOIN runs AS r ON v._rowid >= r._first
WHERE NOT v._skip
