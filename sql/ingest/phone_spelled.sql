-- grain: one distinct key of phone_coded, with the E.164 digits of a +<digits> key that the
-- library's parse would keep as they are (NULL: the library reads it, ingest/phones.py): a
-- national part of 2..17 digits that its country's national-prefix pattern does not match at
-- its start ($prefixes: one pattern over 'code:national' for the codes present, NULL when none
-- strips a prefix; where it matches, the library may strip a trunk prefix, so it decides),
-- and its national part (the digits after the country code).
select
    key,
    key_region,
    case
        when
            length(digits[code_size + 1:]) between 2 and 17
            and not coalesce(
                regexp_matches(digits[1:code_size] || ':' || digits[code_size + 1:], $prefixes),
                false
            )
            then digits
    end as phone_norm,
    digits[code_size + 1:] as national
from phone_coded
