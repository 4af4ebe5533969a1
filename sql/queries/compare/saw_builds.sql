-- A compare of unchanged inputs has seen every build since the last one (builds that changed
-- nothing): journeys-micro counts no build left to compare (queries/compare/uncompared_builds).
update intermediate.compare_runs
set built_at = (select max(b.built_at) from raw.builds as b)
