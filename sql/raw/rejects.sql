-- grain: one rejected input row, as published for analysts: the work file's raw.rejects with
-- emails and phone numbers in the raw text masked ([email]; [phone] for numbers written with a
-- + or 00 prefix, or 9-15 digits in a row); the reason is kept whole.
-- Runs inside publish, where the work file is attached as source_wh.
SELECT
    batch_id,
    source,
    regexp_extract(file, '[^/\\]+$') AS file,
    row_number,
    regexp_replace(regexp_replace(regexp_replace(raw,
        '[^\s,;"<>()\[\]{}:]+@[^\s,;"<>()\[\]{}]+', '[email]', 'g'),
        '(^|[^\d])\(?(\+|00)\d[\d ()./-]{5,}\d', '\1[phone]', 'g'),
        '(^|[^\d])\d{9,15}($|[^\d])', '\1[phone]\2', 'g') AS raw,
    reason
FROM source_wh.raw.rejects
