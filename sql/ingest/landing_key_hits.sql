-- grain: one hash of a key of this file's valid rows (landing_checked) that a row of an earlier
-- batch holds (raw_keys: raw.<source> and its _key_hash). Every stored row is compared by this
-- one number, not by its key text: reading and hashing the texts of raw.web's 68M rows cost
-- 1.5-2.5 s a delivered file, the numbers 0.2-0.4 s. Only the rows of these hashes have their
-- keys compared as text (landing_dups): a hash is no proof of the same key.
select distinct r._key_hash
from raw_keys as r
where r._key_hash in (
    select hash(c._key) from landing_checked as c
    where coalesce(c._parse_error, c._reason) is null
)
