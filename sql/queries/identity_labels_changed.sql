-- grain: one value: how many labels a step of label propagation changed (its output $file).
select count(*) filter (where changed) from read_parquet($file)
