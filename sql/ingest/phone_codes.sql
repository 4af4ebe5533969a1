-- grain: one country code that a +<digits> key of phone_coded starts with.
select distinct digits[1:code_size] as code
from phone_coded
where code_size is not null
order by code
