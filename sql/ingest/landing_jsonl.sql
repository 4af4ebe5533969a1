-- grain: one line of a delivered JSON-lines file (landing_raw), blank lines flagged _skip.
-- _v: the values of the keys $paths chose for the contract, read in one parse of the line
-- (validate_<source> names them _v[$at.<column>]); attributes: every other key, as JSON.
select
    case when _object then json_extract_string(line, $paths) end as _v,
    case when _object and $has_extras then to_json(json_transform(line, $extras)) end
        as attributes,
    _rowid,
    line is null or trim(line) = '' as _skip,
    case
        when not _valid then 'line is not valid JSON; each line must be one JSON object'
        when not _object then 'line is JSON but not an object; each line must be one JSON object'
    end as _parse_error
from (
    -- one parse tells both: try() gives NULL for a line that is not JSON
    select
        line,
        _rowid,
        _type is not null as _valid,
        coalesce(_type = 'OBJECT', false) as _object
    from (select
        line,
        rowid as _rowid,
        try(json_type(line)) as _type
    from landing_raw) as checked
) as typed
