-- grain: one case of an imported log delivered by a live extract (import-log
-- --open-cases-horizon), with that horizon (the longest, when several imports delivered it),
-- and the customer_key of its journey (a partitioned build stores it in the customer-hash
-- partitions of intermediate.int_events, so each partition job reads its own cases).
-- Cases of historical imports (the default) have no row: every one of them is completed.
select
    l.case_id,
    c.customer_key,
    max(i.open_cases_horizon_seconds) as open_cases_horizon_seconds
from staging.stg_log as l
inner join raw.log_imports as i on l.batch_id = i.batch_id
inner join intermediate.int_identity as c on 'l:' || l.case_id = c.node
where i.open_cases_horizon_seconds is not null
group by l.case_id, c.customer_key
