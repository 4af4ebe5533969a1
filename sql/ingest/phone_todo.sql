-- grain: one key of phone_spelled that the library reads (no E.164 form spelled out).
select
    key,
    key_region
from phone_spelled
where phone_norm is null
order by key, key_region
