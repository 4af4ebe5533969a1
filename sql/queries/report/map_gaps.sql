-- grain: one gap of the map $map_name (marts.map_gaps as compare wrote it), in its ranking's
-- order: the rows of the report's fix-first list and of its "works better" list.
select
    g.gap_id,
    g.ranking,
    g.rank,
    g.same_behaviour_as,
    g.gap_type,
    g.from_step,
    g.to_step,
    g.touchpoint,
    g.detail,
    g.description,
    g.journeys,
    g.customers,
    g.share,
    g.effect,
    g.impact,
    g.impact_unit,
    g.outcome_rate_with,
    g.outcome_rate_without,
    g.ci_low,
    g.ci_high,
    g.example_journey_ids,
    g.value_weighted
from marts.map_gaps as g
where g.map_name = $map_name
order by g.ranking asc, g.rank asc nulls last, g.journeys desc, g.gap_id asc
