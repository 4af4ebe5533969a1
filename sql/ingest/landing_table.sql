-- grain: one record the reader returned from a delivered CSV or Parquet file (landing_raw: the
-- delivered columns, as text, in file order). _v: the columns $keys chose for the contract, in
-- their file order (validate_<source> names them _v[$at.<column>]); attributes: every other
-- delivered column. The delivered names stay inside COLUMNS(...) and the JSON, so no delivered
-- column (not even one named _line) can meet a column added here.
select
    list_value(*COLUMNS($keys)) as _v,
    case when $has_extras then to_json(struct_pack(*COLUMNS($extras))) end as attributes,
    rowid as _rowid,
    false as _skip,
    cast(null as varchar) as _parse_error,
    cast(null as varchar) as _time_column,
    cast(null as bigint) as _order
from landing_raw
