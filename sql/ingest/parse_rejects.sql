-- grain: one record the reader could not parse (column count, quoting, encoding), by line,
-- and one line ingest/records.py kept apart (a quote that never closes where a field may end,
-- a carriage return in an unquoted field, a record past 2 MiB), with its reason.
with rejected as (
    select
        line - $header_lines as rec,
        any_value(csv_line) as _raw,
        'record could not be parsed ('
        || string_agg(distinct error_type || ': ' || error_message, '; ')
        || '); fix its delimiters, quoting or encoding and deliver it again' as _reason
    from landing_rejects
    group by line
)

select
    r.rec + o._offset as _line,
    r._raw,
    r._reason
from rejected as r
asof join landing_offsets as o on r.rec >= o._rec
union all
select
    unnest(cast($kept_lines as bigint[])),
    unnest(cast($kept_texts as varchar[])),
    unnest(cast($kept_reasons as varchar[]))
order by _line
