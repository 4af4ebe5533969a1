-- grain: one rejected input row, as published for analysts: the work file's raw.rejects with
-- emails and phone numbers in the raw text masked ([email], with the name before an address in
-- angle brackets: a mail's sender, 'Jane Doe <jane@example.com>', names its person; [phone] for
-- numbers written with a + or 00 prefix, or 9-15 digits in a row); the reason is kept whole.
-- A CRM row is not published at all (raw is NULL): CRM exports carry names, addresses and
-- companies in their other columns, which no mask recognises; its reason, file and line are.
-- Written by publish (publish.py) into a Parquet file when the work file's rejects changed.
with senders as (
    -- a sender's name goes with its address: from the field's start (a CSV or JSON delimiter,
    -- an opening quote) over the name (quotes escaped as \" or "") to the address in brackets;
    -- in a quoted field, commas and the like too ('"Doe, Jane" <jane@example.com>'), as far
    -- as a quote that ends the field
    select
        * replace (
            regexp_replace(
                regexp_replace(
                    raw,
                    '([,;|\t{}:]\s*"|^")(?:[^"<>]|\\"|"")*<[^<>\s]*@[^<>\s]*>',
                    '\1[email]',
                    'g'
                ),
                '([,;|\t{}:]\s*"?|^"?)(?:[^,;|\t{}:"<>]|\\"|"")*<[^<>\s]*@[^<>\s]*>',
                '\1[email]',
                'g'
            ) as raw
        )
    from raw.rejects
)

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
from senders
