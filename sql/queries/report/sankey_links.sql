-- grain: one band of the observed Sankey of the map $map_name: journeys moving from a node to
-- the next. Each journey's path (marts.map_journeys.path) with consecutive repeats collapsed is
-- cut after $depth steps (`more`: it goes on). The distinct cut paths, most journeys first
-- (ties: the path's text, then those that end first), are drawn in full until they cover
-- $coverage of the journeys: the top paths. A node is (position, touchpoint); position 0 is
-- `Start`. A journey follows the drawn nodes as far as its cut path is the start of a top
-- path, then flows into `end` (a top path that ends there, by status), `more` (a top path that
-- goes on after $depth steps) or `other` (not a top path). So at every step node the journeys
-- in = the journeys going on + the journeys ending there, and end + more = the top paths'
-- journeys, other the rest.
-- $segment / $period: NULL for every journey, else only that segment ('(no segment)' for
-- none) / start month. The paths are collapsed once per (variant, status), weighted by journeys.
with variants as (
    select
        j.status,
        any_value(j.path) as path,
        count(*) as journeys
    from marts.map_journeys as j
    where
        j.map_name = $map_name
        and len(j.path) > 0
        and ($segment is null or coalesce(j.segment, '(no segment)') = $segment)
        and ($period is null or j.period = $period)
    group by j.variant_id, j.status
),

scope as (
    select
        [t for t, i in v.path if i = 1 or t <> v.path[i - 1]] as steps,
        v.status,
        v.journeys
    from variants as v
),

cut as (
    select
        s.steps[1:$depth] as drawn,
        len(s.steps) > $depth as more,
        s.status,
        sum(s.journeys) as journeys
    from scope as s
    group by drawn, more, s.status
),

ranked as (
    select
        drawn,
        more,
        sum(journeys) as journeys,
        sum(sum(journeys)) over (
            order by sum(journeys) desc, array_to_string(drawn, chr(31)), more
            rows unbounded preceding
        ) - sum(journeys) as before,
        sum(sum(journeys)) over () as total
    from cut
    group by drawn, more
),

top as (
    select
        drawn,
        more
    from ranked
    where before < $coverage * total
),

prefixes as (
    select distinct
        k,
        t.drawn[1:k] as prefix
    from top as t, range(1, len(t.drawn) + 1) as r (k)
),

reach as (
    select
        c.drawn,
        c.more,
        max(p.k) as shown
    from (select distinct
        drawn,
        more
    from cut) as c
    inner join prefixes as p on p.k <= len(c.drawn) and p.prefix = c.drawn[1:p.k]
    group by c.drawn, c.more
),

flows as (
    select
        c.drawn,
        c.more,
        c.status,
        c.journeys,
        t.drawn is not null as is_top,
        case when t.drawn is not null then len(c.drawn) else coalesce(r.shown, 0) end as shown
    from cut as c
    left join top as t on c.drawn = t.drawn and c.more = t.more
    left join reach as r on c.drawn = r.drawn and c.more = r.more
),

steps as (
    select
        k - 1 as source_position,
        case when k > 1 then f.drawn[k - 1] end as source_touchpoint,
        'step' as target,
        k as target_position,
        f.drawn[k] as target_touchpoint,
        cast(null as varchar) as status,
        f.journeys
    from flows as f, range(1, f.shown + 1) as r (k)
),

leaving as (
    select
        f.shown as source_position,
        case when f.shown > 0 then f.drawn[f.shown] end as source_touchpoint,
        case when not f.is_top then 'other' when f.more then 'more' else 'end' end as target,
        cast(null as bigint) as target_position,
        cast(null as varchar) as target_touchpoint,
        case when f.is_top and not f.more then f.status end as status,
        f.journeys
    from flows as f
)

select
    source_position,
    source_touchpoint,
    target,
    target_position,
    target_touchpoint,
    status,
    cast(sum(journeys) as bigint) as journeys
from (
    select * from steps
    union all
    select * from leaving
) as moves
group by all
order by source_position, source_touchpoint nulls first, target, target_touchpoint, status
