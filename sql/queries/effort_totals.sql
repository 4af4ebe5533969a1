-- grain: one row: the totals of the effort marts, for the build's summary line.
select
    count(*) as journeys,
    coalesce(sum(handoffs), 0)::bigint as handoffs,
    coalesce(sum(missed_handoffs), 0)::bigint as missed_handoffs,
    coalesce(sum(contacts), 0)::bigint as contacts,
    coalesce(sum(repeat_contacts), 0)::bigint as repeat_contacts
from marts.journey_effort
