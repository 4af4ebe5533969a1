-- grain: one value, the builds since compare's last snapshot (compare/state.py): journeys-micro
-- compares when there are any, even without new files (a run that failed after its build).
SELECT count(*) AS uncompared
FROM raw.builds
WHERE built_at > coalesce((SELECT max(r.built_at) FROM intermediate.compare_runs AS r), '-infinity'::TIMESTAMPTZ)
