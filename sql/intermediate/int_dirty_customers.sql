-- grain: one customer whose journeys must be rebuilt: events arrived since the last build
-- ($last_file_seq; 0 before any build = everyone), or its identifiers moved to or from
-- another customer (a later login or contact merged two keys).
SELECT DISTINCT customer_key FROM (
    SELECT customer_key FROM intermediate.int_events
    WHERE seq >= (CAST($last_file_seq AS BIGINT) + 1) * 1000000000
    UNION ALL
    SELECT n.customer_key FROM intermediate.int_identity AS n
    JOIN intermediate.int_identity_previous AS o USING (node)
    WHERE n.customer_key <> o.customer_key
    UNION ALL
    SELECT o.customer_key FROM intermediate.int_identity AS n
    JOIN intermediate.int_identity_previous AS o USING (node)
    WHERE n.customer_key <> o.customer_key
)
