-- grain: one row: for each of $names (columns whose header cell is empty, as a header ending in
-- its delimiter gives them: Excel's "case;activity;time;"), whether any record holds a value
-- there (NULL when the file has no record).
select bool_or(columns($names) <> '')
from landing_raw
