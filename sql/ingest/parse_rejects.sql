-- grain: one record the reader could not parse (column count, quoting, encoding), by line,
-- and one line ingest/records.py kept apart (a quote that never closes where a field may end,
-- a carriage return in an unquoted field, a record past 2 MiB), with its reason. A record one
-- field short under a header that ends in its delimiter ($delim; $header_open: Excel's
-- "case;activity;time;"), or one field over because it ends in the delimiter the header does
-- not end in, is told so, with the fix.
with rejected as (
    select
        line - $header_lines as rec,
        any_value(csv_line) as _raw,
        'record could not be parsed ('
        || string_agg(distinct error_type || ': ' || error_message, '; ')
        || '); '
        || coalesce(
            max(case
                when error_type = 'MISSING COLUMNS' and $header_open
                    then
                        'the header ends with its delimiter and this record does not: remove '
                        || 'the delimiter at the end of the header, or end every record with one'
                when
                    error_type = 'TOO MANY COLUMNS' and not $header_open
                    and right(rtrim(csv_line, chr(13)), 1) = $delim
                    then
                        'this record ends with its delimiter and the header does not: end '
                        || 'the header with one too, or remove it from the end of every record'
            end),
            'fix its delimiters, quoting or encoding and deliver it again'
        ) as _reason
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
