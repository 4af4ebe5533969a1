-- grain: one value, the newest event's time in marts.journeys (NULL when there are none).
SELECT max(ended_at) AS newest FROM marts.journeys
