-- grain: one load batch (one delivered file) of one source.
-- rows_read = rows_accepted + rows_rejected + duplicates for every batch (column reconciles);
-- unstitched: accepted events of the batch whose customer is linked to no CRM customer;
-- unmapped: accepted events no touchpoint rule mapped (they keep their event_type).
SELECT
    m.batch_id,
    m.source,
    regexp_extract(m.file, '[^/\\]+$') AS file,
    m.loaded_at,
    m.rows_read,
    m.rows_accepted,
    m.rows_rejected,
    m.duplicates,
    m.late_events,
    coalesce(e.unstitched, 0) AS unstitched,
    coalesce(e.unmapped, 0) AS unmapped,
    m.rows_read = m.rows_accepted + m.rows_rejected + m.duplicates AS reconciles,
    m.note
FROM raw.manifest AS m
LEFT JOIN (
    SELECT batch_id,
        count(*) FILTER (WHERE NOT is_stitched AND source <> 'log') AS unstitched,
        count(*) FILTER (WHERE is_unmapped AND source <> 'log') AS unmapped
    FROM intermediate.int_events
    GROUP BY batch_id
) AS e USING (batch_id)
ORDER BY m.file_seq
