-- grain: one record the reader returned (landing_values) that is not a blank line, with _line:
-- every row lies on line _rowid + $shift (no reject, blank line or record over several lines
-- moved any; the usual case, without number_records' join).
select
    * exclude (_skip),
    _rowid + $shift as _line
from landing_values
where not _skip
