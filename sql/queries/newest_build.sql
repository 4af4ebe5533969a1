-- grain: one value, the newest raw.builds.built_at (NULL before any build): compare's snapshot
-- records it, so the next compare knows which builds ran since (compare/state.py).
select max(built_at) as built_at from raw.builds
