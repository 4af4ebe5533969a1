-- grain: one accepted event, as intermediate.int_events: a view of it, on a connection whose
-- int_events is a table (a warehouse without a data folder). A partition job defines it over
-- its files instead, with the texts as stored where its int_events reads some of them as ENUMs
-- (journeys/paths/partitions.py). The spans of marts/events.sql read it.
select * from intermediate.int_events
