-- grain: one rejected row of a CSV or Parquet file: its line and its delivered columns as a
-- JSON object (only the rejected rows are turned into text).
SELECT m._line, CAST(to_json(r) AS VARCHAR) AS _raw
FROM (SELECT _line, _rowid FROM landing_marked WHERE NOT _valid) AS m
JOIN landing_raw AS r ON r.rowid = m._rowid
