-- grain: one record the reader returned from a delivered CSV or Parquet file (landing_raw: the
-- delivered columns, as text, in file order). _v: the columns $keys chose for the contract, in
-- their file order (validate_<source> names them _v[$at.<column>]); attributes: every other
-- delivered column. The delivered names stay inside COLUMNS(...) and the JSON, so no delivered
-- column (not even one named _line) can meet a column added here.
SELECT
    list_value(*COLUMNS($keys)) AS _v,
    CASE WHEN $has_extras THEN to_json(struct_pack(*COLUMNS($extras))) END AS attributes,
    rowid AS _rowid,
    false AS _skip,
    CAST(NULL AS VARCHAR) AS _parse_error
FROM landing_raw
