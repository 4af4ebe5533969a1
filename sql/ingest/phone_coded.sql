-- grain: one distinct key of phone_keys (key, key_region). For a +<digits> key read without a
-- region: its digits and the size of the country code they start with, the shortest known
-- prefix of 1-3 digits ($codes: the library's country codes, as text), as phonenumbers.parse
-- finds it; NULL for any other key.
with spelled as (
    select distinct
        key,
        key_region,
        case
            when key_region is null and regexp_full_match(key, '\+[1-9]\p{Nd}*') then key[2:]
        end as digits
    from phone_keys
)

select
    key,
    key_region,
    digits,
    case
        when list_contains($codes, digits[1:1]) then 1
        when list_contains($codes, digits[1:2]) then 2
        when list_contains($codes, digits[1:3]) then 3
    end as code_size
from spelled
