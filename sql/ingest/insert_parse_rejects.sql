-- Keep every record the reader could not parse, with its line, raw text and reason.
insert into raw.rejects (batch_id, source, file, row_number, raw, reason)
select
    $batch_id,
    $source,
    $file,
    _line,
    _raw,
    _reason
from landing_parse_rejects
