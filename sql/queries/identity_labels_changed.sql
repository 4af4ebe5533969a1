-- grain: one value: how many labels a step of label propagation changed (its output $file).
SELECT count(*) FILTER (WHERE changed) FROM read_parquet($file)
