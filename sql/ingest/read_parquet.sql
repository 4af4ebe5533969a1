-- grain: one row of a delivered Parquet file, with its 1-based row number (the reader's
-- file_row_number column is not a delivered column: it must not become an attribute).
SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _line
FROM read_parquet($path, file_row_number = true)
