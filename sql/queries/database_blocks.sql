-- grain: one row: the blocks of the connected warehouse file, and how many are free (left by
-- dropped or replaced tables); publishing writes a fresh file when too many are.
select
    total_blocks,
    free_blocks
from pragma_database_size()
where database_name = current_database()
