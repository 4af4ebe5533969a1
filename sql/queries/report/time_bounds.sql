-- grain: one row, the first and last event time of the published marts (the data's freshness).
SELECT min(e.occurred_at) AS first_event, max(e.occurred_at) AS last_event
FROM marts.events AS e
