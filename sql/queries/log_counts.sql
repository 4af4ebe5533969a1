-- grain: one row, the cases and activities an imported log batch holds, the case ids that look
-- like contact identifiers (hashed in staging) and the timestamps without an offset or zone. A
-- case id is tested once, not on each of its events. Read in a zone with clock changes ($tz), a
-- naive local time in the hour the clocks went back names two instants (the later one was
-- taken), and one in the hour they skipped names none (it was read an hour later): both are
-- counted.
with batch as (
    select
        case_id,
        activity,
        occurred_at,
        occurred_at_utc
    from raw.log
    where _batch_id = $batch_id and not _is_duplicate
),

cases as (
    select distinct case_id from batch
),

naive as (
    select
        b.occurred_at,
        b.occurred_at_utc
    from batch as b
    where journeys_ts_is_naive(b.occurred_at)
),

local_clock as (
    select
        timezone($tz, n.occurred_at_utc) as wall,
        timezone($tz, n.occurred_at_utc - interval 1 hour) as wall_hour_before,
        cast(journeys_parse_ts_as(n.occurred_at, 'UTC', $date_format) as timestamp) as written
    from naive as n
    where $tz is not null and n.occurred_at_utc is not null
)

select
    (select count(c.case_id) from cases as c) as cases,
    (select count(distinct trim(b.activity)) from batch as b) as activities,
    (
        select count(c.case_id) from cases as c
        where journeys_is_contact(c.case_id)
    ) as contact_cases,
    (select count(*) from naive) as naive_timestamps,
    (
        select count(*) from local_clock as l
        where l.wall_hour_before = l.wall
    ) as fall_back_timestamps,
    (
        select count(*) from local_clock as l
        where l.wall <> l.written
    ) as skipped_hour_timestamps
