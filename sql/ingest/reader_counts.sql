-- grain: one row: the records the reader returned and the records it rejected (a record with
-- several errors is one), to compare with the lines counted apart from it (ingest/records.py).
select
    (select count(*) from landing_raw) as parsed,
    (select count(distinct line) from landing_rejects) as rejected
