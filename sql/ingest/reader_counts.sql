-- grain: one row: the records the reader returned and the records it rejected (a record with
-- several errors is one), to compare with the lines counted apart from it (ingest/records.py).
SELECT
    (SELECT count(*) FROM landing_raw) AS parsed,
    (SELECT count(DISTINCT line) FROM landing_rejects) AS rejected
