-- grain: one value: the cut-off journey status is measured against (intermediate.int_path_cutoff).
select cutoff_at from intermediate.int_path_cutoff
