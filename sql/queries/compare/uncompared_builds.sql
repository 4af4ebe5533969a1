-- grain: one value, the builds since compare's last snapshot (compare/state.py): journeys-micro
-- compares when there are any, even without new files (a run that failed after its build).
select count(*) as uncompared
from raw.builds
where
    built_at
    > coalesce(
        (select max(r.built_at) from intermediate.compare_runs as r), '-infinity'::timestamptz
    )
