-- Keep every invalid delivered row with its line, raw text (landing_reject_text: the invalid
-- rows' delivered text, by line) and reason.
insert into raw.rejects (batch_id, source, file, row_number, raw, reason)
select
    $batch_id,
    $source,
    $file,
    m._line,
    t._raw,
    m._reason
from landing_marked as m
left join landing_reject_text as t using (_line)
where not m._valid
order by m._seq
