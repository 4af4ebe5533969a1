-- grain: one line of a Google Analytics 4 BigQuery export (ga4_raw: its lines as text, or its
-- Parquet rows as JSON, in file order), as the web source reads it: one line out for each line
-- in, so every line keeps its number. An object's event_params (a list of key and typed value,
-- GA4's shape) become keys of their own (page_location, ga_session_id, ...: the value as text,
-- whichever of string_value, int_value, double_value or float_value holds it; a key given twice
-- keeps its first value), its user_properties one object of such keys, and it gains the two
-- values the export lacks: event_id, the event's content (GA4 gives none: the visitor, stream,
-- event, time and parameters, as the dbt-ga4 package keys it; two events alike in all of them
-- are one), and page_path, page_location's path. A key of the event itself is kept over a
-- parameter of the same name; event_params or user_properties that are not such a list stay as
-- delivered. A line that is not a JSON object stays as it is: the JSON-lines reader rejects it
-- with its reason.
-- Each line is parsed once for what is read here (json_transform) and once to be merged: a
-- json_extract per value parses the whole event again (3.9 s for 200,000 events, 1.4 s so).
with parsed as (
    select
        line,
        case
            when starts_with(ltrim(line), '{')
                then try(json_transform(
                    line,
                    '{"event_params": [{"key": "VARCHAR", "value": {"string_value": "VARCHAR", '
                    || '"int_value": "VARCHAR", "double_value": "VARCHAR", "float_value": '
                    || '"VARCHAR"}}], "user_properties": [{"key": "VARCHAR", "value": '
                    || '{"string_value": "VARCHAR", "int_value": "VARCHAR", "double_value": '
                    || '"VARCHAR", "float_value": "VARCHAR"}}], "user_pseudo_id": "VARCHAR", '
                    || '"user_id": "VARCHAR", "stream_id": "VARCHAR", "event_name": "VARCHAR", '
                    || '"event_timestamp": "VARCHAR", "event_id": "VARCHAR", "page_path": '
                    || '"VARCHAR", "page_location": "VARCHAR"}'
                ))
        end as event
    from ga4_raw
),

keyed as (
    select
        line,
        event,
        journeys_ga4_object(event.event_params) as event_params,
        journeys_ga4_object(event.user_properties) as user_properties
    from parsed
),

located as (
    select
        *,
        coalesce(
            event.page_location, json_extract_string(event_params, '$.page_location')
        ) as page_location
    from keyed
)

select
    case
        when event is null then line
        else json_merge_patch(
            coalesce(event_params, '{}'),
            line,
            json_object(
                'event_params',
                case when event_params is null then json_extract(line, '$.event_params') end,
                'user_properties',
                coalesce(user_properties, json_extract(line, '$.user_properties')),
                'event_id',
                coalesce(
                    event.event_id,
                    json_extract_string(event_params, '$.event_id'),
                    md5(
                        concat_ws(
                            '|',
                            event.user_pseudo_id,
                            event.user_id,
                            event.stream_id,
                            event.event_name,
                            event.event_timestamp,
                            event_params
                        )
                    )
                ),
                'page_path',
                coalesce(
                    event.page_path,
                    json_extract_string(event_params, '$.page_path'),
                    case
                        when regexp_matches(page_location, '^[A-Za-z][A-Za-z0-9+.-]*://')
                            then coalesce(
                                nullif(
                                    regexp_extract(
                                        page_location,
                                        '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)',
                                        1
                                    ),
                                    ''
                                ),
                                '/'
                            )
                    end
                )
            )
        )::varchar
    end as line
from located
