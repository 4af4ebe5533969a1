-- grain: one value: the arrival numbers (seq) that cut the accepted events of every source into
-- slices of about equal size ($cuts: the fractions 1/n, 2/n, ...), for int_events jobs.
select quantile_disc(seq, $cuts::double[]) as bounds
from (
    select seq from staging.stg_transactions
    union all
    select seq from staging.stg_web
    union all
    select seq from staging.stg_support
    union all
    select seq from staging.stg_log
) as arrivals
