-- grain: one row per touchpoint.
-- events: its events; journeys / customers: distinct journeys / customers with it;
-- starts / ends: journeys whose first / last step it is.
WITH

-- Counted from the paths of marts.variants (a journey's touchpoints in step order, with how many
-- journeys follow it), one variant at a time, as marts.transitions counts its pairs: far cheaper
-- than grouping every event by (touchpoint, journey). (Built after marts.variants:
-- journeys.mining.marts.MINING_MODELS.)
variant_steps AS (
    -- two unnests side by side pair each touchpoint of a path with its step number
    SELECT
        variant_id,
        journeys,
        len(path) AS length,
        unnest(path) AS touchpoint,
        unnest(range(1, len(path) + 1)) AS step
    FROM marts.variants
),

variant_touchpoints AS (
    SELECT
        variant_id,
        touchpoint,
        any_value(journeys) AS journeys,
        count(*) AS occurrences,
        bool_or(step = 1) AS is_start,
        bool_or(step = length) AS is_end
    FROM variant_steps
    GROUP BY variant_id, touchpoint
),

journey_counts AS (
    SELECT
        touchpoint,
        sum(journeys * occurrences)::BIGINT AS events,
        coalesce(sum(journeys) FILTER (WHERE is_start), 0)::BIGINT AS starts,
        coalesce(sum(journeys) FILTER (WHERE is_end), 0)::BIGINT AS ends
    FROM variant_touchpoints
    GROUP BY touchpoint
)

SELECT
    j.touchpoint,
    j.events,
    c.journeys,
    c.customers,
    j.starts,
    j.ends
FROM journey_counts AS j
-- distinct journeys and customers: counted with the pairs of marts.transitions
JOIN intermediate.int_subpath_counts AS c ON c.subpath = [j.touchpoint]
ORDER BY j.events DESC, j.touchpoint
