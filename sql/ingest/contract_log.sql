-- grain: one record of a delivered event log row file (landing_numbered), its contract columns
-- named: $at says where ingest/columns.py found each in _v (NULL: an optional column the
-- file lacks). occurred_time (import-log --time-col): the time of day of a log that writes it
-- apart from the date (SAP's ERDAT and ERZET), joined to the date with a space as delivered,
-- so that --date-format names both and raw.log.occurred_at keeps what was read. A date written
-- with a midnight time (a database's DATE as 2024-05-01 00:00:00.000, a workbook's date cell)
-- gives its date alone, and a workbook's time cell (a day's fraction, which the reader writes on
-- Excel's day zero, 1899-12-31 10:30:00) its time alone.
select
    _v[$at.event_id] as event_id,
    _v[$at.case_id] as case_id,
    _v[$at.activity] as activity,
    case
        when _v[$at.occurred_time] is null then _v[$at.occurred_at]
        else concat_ws(
            ' ',
            regexp_replace(_v[$at.occurred_at], '[ T]00:00(:00([.,]0+)?)?$', ''),
            regexp_replace(_v[$at.occurred_time], '^(1899-12-3[01]|1900-01-0[01])[ T]', '')
        )
    end as occurred_at,
    _v[$at.channel] as channel,
    _v[$at.team] as team,
    * exclude (_v)
from landing_numbered
