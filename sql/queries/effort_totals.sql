-- grain: one row: the totals of the effort marts, for the build's summary line.
SELECT
    count(*) AS journeys,
    coalesce(sum(handoffs), 0)::BIGINT AS handoffs,
    coalesce(sum(missed_handoffs), 0)::BIGINT AS missed_handoffs,
    coalesce(sum(contacts), 0)::BIGINT AS contacts,
    coalesce(sum(repeat_contacts), 0)::BIGINT AS repeat_contacts
FROM marts.journey_effort
