-- grain: one (gap, period) of the map $map_name's current version in marts.map_gap_history (the
-- version of marts.map_journeys): the share of the period's journeys in scope with the gap, 0 in
-- a period with journeys but none with the gap; open: some of the period's journeys are still in
-- flight (their gaps may still come). The report's trend line per gap.
WITH version AS (
    SELECT any_value(map_version) AS map_version
    FROM marts.map_journeys
    WHERE map_name = $map_name
),

rows AS (
    SELECT h.gap_id, h.period, h.grain, h.share, h.journeys, h.journeys_in_scope,
        h.finished_in_scope
    FROM marts.map_gap_history AS h
    INNER JOIN version AS v ON h.map_version = v.map_version
    WHERE h.map_name = $map_name
),

periods AS (
    SELECT period, grain, max(journeys_in_scope) > max(finished_in_scope) AS open
    FROM rows
    GROUP BY period, grain
),

gaps AS (SELECT DISTINCT gap_id FROM rows)

SELECT
    g.gap_id,
    p.period,
    p.grain,
    coalesce(r.share, 0.0) AS share,
    coalesce(r.journeys, 0) AS journeys,
    p.open
FROM gaps AS g
CROSS JOIN periods AS p
LEFT JOIN rows AS r ON r.gap_id = g.gap_id AND r.period = p.period
ORDER BY g.gap_id, p.period
