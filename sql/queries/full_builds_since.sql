-- grain: one value, whether a full build ran after $seen (every build when $seen is NULL):
-- then compare starts from scratch (compare/state.py).
select coalesce(bool_or(full_rebuild), false) as full_build
from raw.builds
where $seen is null or built_at > $seen
