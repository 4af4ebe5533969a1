-- grain: one value, the newest accepted event time as of the last build; an event older than
-- this arriving now is late (its customers' journeys must be rebuilt). NULL before any build.
WITH built AS (SELECT max(max_file_seq) AS file_seq FROM raw.builds)
SELECT max(t) AS watermark FROM (
    SELECT max(occurred_at_utc) AS t FROM raw.transactions, built
        WHERE NOT _is_duplicate AND _seq < (built.file_seq + 1) * 1000000000
    UNION ALL SELECT max(occurred_at_utc) FROM raw.web, built
        WHERE NOT _is_duplicate AND _seq < (built.file_seq + 1) * 1000000000
    UNION ALL SELECT max(occurred_at_utc) FROM raw.support, built
        WHERE NOT _is_duplicate AND _seq < (built.file_seq + 1) * 1000000000
)
