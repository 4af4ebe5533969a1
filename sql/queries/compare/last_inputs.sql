-- grain: one row: the inputs' fingerprint of the last finished compare and its maps' headline
-- numbers, as JSON (compare/unchanged.py).
select
    fingerprint,
    summaries
from intermediate.compare_inputs
