-- grain: one value: the cut-off journey status is measured against (intermediate.int_path_cutoff).
SELECT cutoff_at FROM intermediate.int_path_cutoff
