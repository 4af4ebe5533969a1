-- grain: one parsed CSV record with _line, its line in the file (header = line 1).
-- Accepted records come in file order; the rejected ones (landing_rejects) fill the gaps, so the
-- i-th accepted record sits at record i + (rejects before it). Assumes one line per record.
WITH rej AS (
    SELECT line - 1 AS rec, row_number() OVER (ORDER BY line) AS j
    FROM (SELECT DISTINCT line FROM landing_rejects)
), gaps AS (
    SELECT rec - j AS accepted_before, max(j) AS j FROM rej GROUP BY ALL
), acc AS (
    SELECT *, rowid + 1 AS _i FROM landing_raw
)
SELECT acc.* EXCLUDE (_i), acc._i + coalesce(gaps.j, 0) + 1 AS _line
FROM acc ASOF LEFT JOIN gaps ON acc._i > gaps.accepted_before
