-- grain: one row: the blocks of the connected warehouse file, and how many are free (left by
-- dropped or replaced tables); publishing writes a fresh file when too many are.
SELECT total_blocks, free_blocks
FROM pragma_database_size()
WHERE database_name = current_database()
