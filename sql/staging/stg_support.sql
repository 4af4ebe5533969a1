-- grain: one support interaction (event_id; the first delivery wins), typed, in UTC.
-- Contacts are identified by email or phone, replaced here by keyed hashes of their normal form.
SELECT
    trim(s.event_id) AS event_id,
    trim(ticket_id) AS ticket_id,
    CASE WHEN journeys_norm_email(s.email) IS NOT NULL
        THEN sha256($salt || 'e:' || journeys_norm_email(s.email)) END AS email_key,
    -- phones: E.164 digits from raw.phone_numbers (parsed per distinct value, ingest/phones.py)
    CASE WHEN p.phone_norm IS NOT NULL THEN sha256($salt || 'p:' || p.phone_norm) END AS phone_key,
    coalesce(p.phone_norm IS NOT NULL AND NOT p.is_parsed, false) AS phone_unparsed,
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
FROM raw.support AS s
LEFT JOIN raw.phone_numbers AS p ON p.source = 'support' AND p.phone = s.phone
WHERE NOT s._is_duplicate
