-- grain: one line on which the reader rejected a record (the reader's own numbering).
SELECT DISTINCT line FROM landing_rejects ORDER BY line
