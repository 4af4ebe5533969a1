-- grain: one value, whether a full build ran after $seen (every build when $seen is NULL):
-- then compare starts from scratch (compare/state.py).
SELECT coalesce(bool_or(full_rebuild), false) AS full_build
FROM raw.builds
WHERE $seen IS NULL OR built_at > $seen
