-- grain: one rejected input row, as published for analysts: the work file's raw.rejects with
-- emails and phone numbers in the raw text masked ([email]; [phone] for numbers written with a
-- + or 00 prefix, or 9-15 digits in a row); the reason is kept whole.
-- A CRM row is not published at all (raw is NULL): CRM exports carry names, addresses and
-- companies in their other columns, which no mask recognises; its reason, file and line are.
-- Written by publish (publish.py) into a Parquet file when the work file's rejects changed.
select
    batch_id,
    source,
    regexp_extract(file, '[^/\\]+$') as file,
    row_number,
    case
        when source <> 'customers'
            then
                regexp_replace(regexp_replace(regexp_replace(
                    raw,
                    '[^\s,;"<>()\[\]{}:]+@[^\s,;"<>()\[\]{}]+', '[email]', 'g'
                ),
                '(^|[^\d])\(?(\+|00)\d[\d ()./-]{5,}\d', '\1[phone]', 'g'),
                '(^|[^\d])\d{9,15}($|[^\d])', '\1[phone]\2', 'g')
    end as raw,
    reason
from raw.rejects
