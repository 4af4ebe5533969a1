-- grain: one event of an imported event log (a case is a journey as is), typed, in UTC.
-- The case id is kept as delivered ('', 'NA' and 'null' are case ids), except a personal one:
-- a case id that is an email address or a phone number, or every case id of a batch imported
-- with --personal-case-ids, becomes a keyed hash (the salt, as emails and phones elsewhere).
-- Email addresses and phone numbers inside activity names are masked.
SELECT
    r.event_id,
    CASE WHEN coalesce(i.personal_case_ids, false) OR journeys_is_contact(r.case_id)
        THEN 'case_' || left(sha256($salt || 'case:' || r.case_id), 16)
        ELSE r.case_id
    END AS case_id,
    journeys_redact(trim(r.activity)) AS activity,
    r.occurred_at_utc AS occurred_at,
    nullif(trim(r.channel), '') AS channel,
    r.attributes,
    r._seq AS seq,
    r._batch_id AS batch_id,
    r._is_late AS is_late
FROM raw.log AS r
LEFT JOIN raw.log_imports AS i ON i.batch_id = r._batch_id
WHERE NOT r._is_duplicate
