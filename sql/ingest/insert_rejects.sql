-- Keep every invalid delivered row with its line, raw text (landing_reject_text: the invalid
-- rows' delivered text, by line) and reason.
INSERT INTO raw.rejects (batch_id, source, file, row_number, raw, reason)
SELECT $batch_id, $source, $file, m._line, t._raw, m._reason
FROM landing_marked AS m
LEFT JOIN landing_reject_text AS t USING (_line)
WHERE NOT m._valid
ORDER BY m._line
