-- grain: one value: the delivered rows a milestones file's events came from (landing_marked:
-- one event a filled milestone, ingest/milestones.sql).
select count(distinct _line) as delivered_rows
from landing_marked
