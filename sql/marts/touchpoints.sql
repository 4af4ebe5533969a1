-- grain: one row per touchpoint.
-- events: its events; journeys / customers: distinct journeys / customers with it;
-- starts / ends: journeys whose first / last step it is.
with

-- Counted from the paths of marts.variants (a journey's touchpoints in step order, with how many
-- journeys follow it), one variant at a time, as marts.transitions counts its pairs: far cheaper
-- than grouping every event by (touchpoint, journey). (Built after marts.variants:
-- journeys.mining.marts.MINING_MODELS.)
variant_steps as (
    -- two unnests side by side pair each touchpoint of a path with its step number
    select
        variant_id,
        journeys,
        len(path) as length,
        unnest(path) as touchpoint,
        unnest(range(1, len(path) + 1)) as step
    from marts.variants
),

variant_touchpoints as (
    select
        variant_id,
        touchpoint,
        any_value(journeys) as journeys,
        count(*) as occurrences,
        bool_or(step = 1) as is_start,
        bool_or(step = length) as is_end
    from variant_steps
    group by variant_id, touchpoint
),

journey_counts as (
    select
        touchpoint,
        sum(journeys * occurrences)::bigint as events,
        coalesce(sum(journeys) filter (where is_start), 0)::bigint as starts,
        coalesce(sum(journeys) filter (where is_end), 0)::bigint as ends
    from variant_touchpoints
    group by touchpoint
)

select
    j.touchpoint,
    j.events,
    c.journeys,
    c.customers,
    j.starts,
    j.ends
from journey_counts as j
-- distinct journeys and customers: counted with the pairs of marts.transitions
inner join intermediate.int_subpath_counts as c on c.subpath = [j.touchpoint]
order by j.events desc, j.touchpoint asc
