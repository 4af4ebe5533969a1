-- grain: one row, the cases and activities an imported log batch holds, the case ids that look
-- like contact identifiers (hashed in staging) and the timestamps without an offset.
SELECT count(DISTINCT case_id) AS cases, count(DISTINCT activity) AS activities,
    count(DISTINCT case_id) FILTER (WHERE journeys_is_contact(case_id)) AS contact_cases,
    count(*) FILTER (
        WHERE NOT regexp_matches(trim(occurred_at), '([Zz]|[+-]\d\d(:?\d\d)?)$')
            AND NOT regexp_full_match(trim(occurred_at), '\d{10}|\d{13}')
    ) AS naive_timestamps
FROM raw.log WHERE _batch_id = $batch_id AND NOT _is_duplicate
