-- Keep every invalid delivered row with its line, raw text and reason.
INSERT INTO raw.rejects (batch_id, source, file, row_number, raw, reason)
SELECT $batch_id, $source, $file, _line, _raw, _reason FROM landing_marked WHERE NOT _valid
ORDER BY _line
