-- grain: one row per stitched customer: every customer of intermediate.int_customer_profiles,
-- plus any customer that has journeys but no profile (n_identities 1, segment NULL).
WITH journeys AS (
    SELECT
        customer_key,
        min(started_at) AS first_seen_at,
        max(ended_at) AS last_seen_at,
        count(*) AS n_journeys,
        -- summed in a fixed order, so the same journeys give the same bits however they are
        -- stored (float addition is not associative; partitioned builds store them differently)
        sum(value ORDER BY journey_id) AS total_value
    FROM marts.journeys
    GROUP BY customer_key
)

SELECT
    coalesce(p.customer_key, j.customer_key) AS customer_key,
    coalesce(p.n_identities, 1) AS n_identities,
    j.first_seen_at,
    j.last_seen_at,
    p.segment,
    coalesce(j.n_journeys, 0) AS n_journeys,
    coalesce(j.total_value, 0.0) AS total_value,
    p.created_at,
    coalesce(p.is_stitched, false) AS is_stitched
FROM intermediate.int_customer_profiles AS p
FULL OUTER JOIN journeys AS j ON j.customer_key = p.customer_key
