-- grain: one row per journey (see marts/events.sql for how events are cut into journeys).
--
-- path: the touchpoints in step order. variant_id: the first 16 hex of md5 of the path joined by
-- chr(31) (ASCII unit separator, which touchpoint names do not contain); the same id as
-- marts.variants and journeys.paths.journeys.variant_id_of() in Python.
-- n_channel_switches / n_team_handoffs: consecutive steps whose known channel / team differ.
-- status is filled by marts/updates/journeys_status.sql (it depends on the moving cut-off);
-- n_contacts, n_repeat_contacts, n_missed_handoffs and waiting_seconds by
-- marts/updates/journeys_effort.sql from marts.journey_effort (see marts/journey_effort.sql).
WITH steps AS (
    SELECT *
    FROM marts.events
    WHERE ($full OR customer_key IN (SELECT s.customer_key FROM intermediate.int_path_scope AS s))
        -- large builds run in $parts parts over customer hash buckets ($part = 0, 1, ...),
        -- so the per-journey lists never have to fit in memory at once
        AND hash(customer_key) % $parts = $part
),

journeys AS (
    SELECT
        journey_id,
        any_value(customer_key) AS customer_key,
        min(occurred_at) AS started_at,
        max(occurred_at) AS ended_at,
        count(*) AS n_steps,
        list(touchpoint ORDER BY step_index) AS path,
        count(*) FILTER (WHERE is_channel_switch) AS n_channel_switches,
        count(*) FILTER (WHERE is_team_handoff) AS n_team_handoffs,
        count(DISTINCT system) AS n_systems,
        count(DISTINCT channel) AS n_channels,
        count(DISTINCT team) AS n_teams,
        sum(value ORDER BY step_index) AS value,  -- fixed order: reproducible float sums
        bool_or(case_id IS NOT NULL) AS is_case
    FROM steps
    GROUP BY journey_id
)

SELECT
    j.journey_id,
    j.customer_key,
    j.started_at,
    j.ended_at,
    j.n_steps,
    left(md5(array_to_string(j.path, chr(31))), 16) AS variant_id,
    j.path,
    NULL::VARCHAR AS status,
    j.n_channel_switches,
    j.n_team_handoffs,
    j.n_systems,
    j.value,
    p.segment,
    (epoch_us(j.ended_at) - epoch_us(j.started_at)) / 1e6 AS duration_seconds,
    j.path[1] AS first_touchpoint,
    j.path[-1] AS last_touchpoint,
    j.n_channels,
    j.is_case,
    j.n_teams,
    NULL::BIGINT AS n_contacts,
    NULL::BIGINT AS n_repeat_contacts,
    NULL::BIGINT AS n_missed_handoffs,
    NULL::DOUBLE AS waiting_seconds
FROM journeys AS j
LEFT JOIN intermediate.int_customer_profiles AS p ON p.customer_key = j.customer_key
