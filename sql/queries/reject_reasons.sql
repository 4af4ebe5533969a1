-- grain: one reason rows of raw.rejects were rejected for, most rows first: why a load gave no
-- events (build.py names the commonest when every delivered event row was rejected).
select
    reason,
    count(*) as n_rows
from raw.rejects
group by reason
order by n_rows desc, reason asc
