-- grain: one distinct phone value as delivered per source (phone_values: queries/phone_values),
-- with the key the library is asked to read. The library reads a value of digits and
-- separators like its compact form (separators are only punctuation), and one starting with +
-- whatever the region: each such key is read once. key_region: the region a national number is
-- read in ($regions, by $sources; NULL for a +number). The character classes are Unicode's, as
-- the library's: Arabic-Indic digits are digits, a no-break space is a separator.
with compacted as (
    select distinct
        source,
        phone,
        $regions[list_position($sources, source)] as region,
        regexp_replace(phone, '[\s\x{0B}\x{85}\pZ\-./()]', '', 'g') as compact
    from phone_values
),

keyed as (
    select
        *,
        regexp_full_match(compact, '\+?\p{Nd}+') as plain
    from compacted
)

select
    source,
    phone,
    case when plain then compact else phone end as key,
    case when not (plain and starts_with(compact, '+')) then region end as key_region
from keyed
