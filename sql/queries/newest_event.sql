-- grain: one value, the newest event's time in marts.journeys (NULL when there are none).
select max(ended_at) as newest from marts.journeys
