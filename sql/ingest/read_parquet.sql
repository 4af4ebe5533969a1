-- grain: one row of a delivered Parquet file, every column as text, in file order (the row's
-- number is its rowid + 1 in the temp table this fills; no reader column is added, so none can
-- meet a delivered one).
select columns(*)::varchar
from read_parquet($path)
