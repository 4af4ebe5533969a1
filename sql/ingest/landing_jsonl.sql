-- grain: one line of a delivered JSON-lines file (landing_raw), blank lines flagged _skip.
-- _v: the values of the keys $paths chose for the contract, read in one parse of the line
-- (validate_<source> names them _v[$at.<column>]); attributes: every other key, as JSON.
-- That one parse also tells a JSON object: try() gives NULL for a line that is not JSON, and a
-- value found means an object. Only a line where no chosen key has a value (an array, a
-- scalar, an object without them) is parsed again for its type.
-- A blank line holds nothing but spaces: a line starting with '{' is not one, which spares
-- trimming every line (trim reads the whole line: 3 CPU-s for 7M lines; a CASE, since DuckDB
-- evaluates both sides of an AND or OR in a projection).
select
    case when _object then _values end as _v,
    case when _object and $has_extras then to_json(json_transform(line, $extras)) end
        as attributes,
    _rowid,
    case
        when line is null then true
        when starts_with(line, '{') then false
        else trim(line) = ''
    end as _skip,
    case
        when not _valid then 'line is not valid JSON; each line must be one JSON object'
        when not _object then 'line is JSON but not an object; each line must be one JSON object'
    end as _parse_error,
    cast(null as varchar) as _time_column,
    cast(null as bigint) as _order
from (
    select
        line,
        _rowid,
        _values,
        _type is not null as _valid,
        coalesce(_type = 'OBJECT', false) as _object
    from (
        select
            line,
            _rowid,
            _values,
            case
                when list_aggregate(_values, 'count') > 0 then 'OBJECT'
                else try(json_type(line))
            end as _type
        from (select
            line,
            rowid as _rowid,
            try(json_extract_string(line, $paths)) as _values
        from landing_raw) as read
    ) as checked
) as typed
