-- grain: one (gap, period) of the map $map_name's current version in marts.map_gap_history (the
-- version of marts.map_journeys): the share of the period's journeys in scope with the gap, 0 in
-- a period with journeys but none with the gap; open: some of the period's journeys are still in
-- flight (their gaps may still come). The report's trend line per gap.
with version as (
    select any_value(map_version) as map_version
    from marts.map_journeys
    where map_name = $map_name
),

rows as (
    select
        h.gap_id,
        h.period,
        h.grain,
        h.timezone,
        h.share,
        h.journeys,
        h.journeys_in_scope,
        h.finished_in_scope
    from marts.map_gap_history as h
    inner join version as v on h.map_version = v.map_version
    where h.map_name = $map_name
),

periods as (
    select
        period,
        grain,
        timezone,
        max(journeys_in_scope) > max(finished_in_scope) as open
    from rows
    group by period, grain, timezone
),

gaps as (select distinct gap_id from rows)

select
    g.gap_id,
    p.period,
    p.grain,
    p.timezone,
    coalesce(r.share, 0.0) as share,
    coalesce(r.journeys, 0) as journeys,
    p.open
from gaps as g
cross join periods as p
left join rows as r on g.gap_id = r.gap_id and p.period = r.period
order by g.gap_id, p.period
