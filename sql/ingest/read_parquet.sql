-- grain: one row of a delivered Parquet file, with its 1-based row number.
SELECT *, file_row_number + 1 AS _line
FROM read_parquet($path, file_row_number = true)
