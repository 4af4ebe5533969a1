-- grain: one value: the arrival numbers (seq) that cut the accepted events of every source into
-- slices of about equal size ($cuts: the fractions 1/n, 2/n, ...), for int_events jobs.
SELECT quantile_disc(seq, $cuts::DOUBLE[]) AS bounds
FROM (
    SELECT seq FROM staging.stg_transactions
    UNION ALL SELECT seq FROM staging.stg_web
    UNION ALL SELECT seq FROM staging.stg_support
    UNION ALL SELECT seq FROM staging.stg_log
)
