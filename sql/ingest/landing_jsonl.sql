-- grain: one line of a delivered JSON-lines file (landing_raw), blank lines flagged _skip.
-- _v: the values of the keys $paths chose for the contract, read in one parse of the line
-- (validate_<source> names them _v[$at.<column>]); attributes: every other key, as JSON.
SELECT
    CASE WHEN _object THEN json_extract_string(line, $paths) END AS _v,
    CASE WHEN _object AND $has_extras THEN to_json(json_transform(line, $extras)) END
        AS attributes,
    _rowid,
    line IS NULL OR trim(line) = '' AS _skip,
    CASE
        WHEN NOT _valid THEN 'line is not valid JSON; each line must be one JSON object'
        WHEN NOT _object THEN 'line is JSON but not an object; each line must be one JSON object'
    END AS _parse_error
FROM (
    -- one parse tells both: try() gives NULL for a line that is not JSON
    SELECT line, _rowid, _type IS NOT NULL AS _valid, coalesce(_type = 'OBJECT', false) AS _object
    FROM (SELECT line, rowid AS _rowid, try(json_type(line)) AS _type FROM landing_raw)
)
