-- grain: one rejected line of a JSON-lines file: its line number and the line as delivered.
SELECT m._line, r.line AS _raw
FROM (SELECT _line, _rowid FROM landing_marked WHERE NOT _valid) AS m
JOIN landing_raw AS r ON r.rowid = m._rowid
