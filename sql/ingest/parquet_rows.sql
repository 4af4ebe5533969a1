-- grain: one value: the rows of a Parquet file (from its footer).
select count(*) as row_count
from read_parquet($path)
