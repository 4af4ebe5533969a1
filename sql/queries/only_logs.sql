-- grain: one value: whether every event and contact the warehouse holds comes from imported
-- event logs (raw.log): then no identifier links two cases (a case names no contact, login or
-- order), and identity gives each case a customer of its own (ingest/identity.py).
select
    not exists (select 1 from raw.customers)
    and not exists (select 1 from raw.transactions)
    and not exists (select 1 from raw.web)
    and not exists (select 1 from raw.support) as only_logs
