-- grain: one key of a file's valid rows (landing_checked) that is a duplicate: delivered by an
-- earlier batch (delivered_before; raw_keys is a view on raw.<source>), or more than once in this
-- file (first_line: the line of its first valid row; the later rows are the duplicates).
-- $any_earlier: an earlier row holds the hash of one of this file's keys (landing_key_hits is
-- not empty); when none does, no key was delivered before and raw is not read again.
-- Duplicates are found by key, not by ordering every row: the keys seen twice are few. The
-- keys are grouped by their 64-bit hash first, which is cheaper than grouping millions of text
-- keys; only the rows of a hash seen twice are grouped by the key itself.
with valid as (
    select
        _key,
        _line
    from landing_checked
    where coalesce(_parse_error, _reason) is null
),

hashes_seen_twice as (
    select hash(_key) as h
    from valid
    group by h
    having count(*) > 1
),

repeated as (
    select
        _key,
        min(_line) as first_line
    from valid
    where hash(_key) in (select h from hashes_seen_twice)
    group by _key
    having count(*) > 1
),

earlier as (
    -- this file's keys that an earlier batch delivered: the key texts of the stored rows whose
    -- hash is one of this file's (landing_key_hits), compared with the file's keys
    select distinct r._key from raw_keys as r
    where
        $any_earlier
        and r._key_hash in (select h._key_hash from landing_key_hits as h)
        and r._key in (select v._key from valid as v)
)

select
    coalesce(r._key, e._key) as _key,
    r.first_line,
    e._key is not null as delivered_before
from repeated as r
full outer join earlier as e on r._key = e._key
