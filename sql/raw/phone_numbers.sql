-- grain: one distinct phone value as delivered per source (ingest/phones.py): its E.164 digits
-- without the + (phone_norm), whether the library read it (is_parsed; false: it could not,
-- and the value keeps its digits, 00 dropped) and whether it numbers nobody (is_placeholder:
-- its national part one digit repeated or a run of consecutive digits, or, unread, fewer than
-- five digits, or a number a spreadsheet rounded, 4.91603E+11; staging keys no contact by it).
-- A key spelled out in E.164 counts as parsed: the library would give the same. $keys,
-- $key_regions, $norms, $nationals, $parsed: the library's answers for the keys of
-- ingest/phone_todo.
with parsed as (
    select
        unnest(cast($keys as varchar[])) as key,
        unnest(cast($key_regions as varchar[])) as key_region,
        unnest(cast($norms as varchar[])) as phone_norm,
        unnest(cast($nationals as varchar[])) as national,
        unnest(cast($parsed as boolean[])) as is_parsed
),

numbers as (
    select
        k.source,
        k.phone,
        coalesce(s.phone_norm, p.phone_norm) as phone_norm,
        case when s.phone_norm is not null then s.national else p.national end as national,
        coalesce(s.phone_norm is not null or p.is_parsed, false) as is_parsed
    from phone_keys as k
    inner join phone_spelled as s
        on k.key = s.key and k.key_region is not distinct from s.key_region
    left join parsed as p
        on k.key = p.key and k.key_region is not distinct from p.key_region
)

select
    source,
    phone,
    phone_norm,
    is_parsed,
    phone_norm is not null
    and (
        journeys_placeholder_number(national)
        or (not is_parsed and length(national) < 5)
        or journeys_rounded(phone)
    )
        as is_placeholder
from numbers
