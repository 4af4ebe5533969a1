-- grain: one support interaction (event_id; the first delivery wins), typed, in UTC.
-- Contacts are identified by email or phone, replaced here by keyed hashes of their normal form.
SELECT
    trim(event_id) AS event_id,
    trim(ticket_id) AS ticket_id,
    CASE WHEN journeys_norm_email(email) IS NOT NULL
        THEN sha256($salt || 'e:' || journeys_norm_email(email)) END AS email_key,
    CASE WHEN journeys_norm_phone(phone) IS NOT NULL
        THEN sha256($salt || 'p:' || journeys_norm_phone(phone)) END AS phone_key,
    nullif(lower(trim(channel)), '') AS channel,
    nullif(trim(team), '') AS team,
    nullif(trim(system), '') AS system,
    nullif(trim(category), '') AS category,
    trim(event_type) AS event_type,
    occurred_at_utc AS occurred_at,
    attributes,
    _seq AS seq,
    _batch_id AS batch_id,
    _is_late AS is_late
FROM raw.support
WHERE NOT _is_duplicate
