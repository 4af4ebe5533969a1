-- grain: one load batch (one delivered file) of one source.
-- rows_read = rows_accepted + rows_rejected + duplicates for every batch (column reconciles);
-- unstitched: accepted events of the batch whose customer is linked to no CRM customer;
-- unmapped: accepted events no touchpoint rule mapped (they keep their event_type);
-- unparsed_phones: accepted rows (support, CRM) whose phone the phone library could not parse
-- (raw.phone_numbers; they fall back to their digits).
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
    coalesce(p.unparsed_phones, 0) AS unparsed_phones,
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
LEFT JOIN (
    SELECT r.batch_id, count(*) AS unparsed_phones
    FROM (
        SELECT _batch_id AS batch_id, 'support' AS source, phone FROM raw.support
        WHERE NOT _is_duplicate
        UNION ALL
        SELECT _batch_id, 'customers', phone FROM raw.customers WHERE NOT _is_duplicate
    ) AS r
    JOIN raw.phone_numbers AS n ON n.source = r.source AND n.phone = r.phone
    WHERE NOT n.is_parsed AND n.phone_norm IS NOT NULL
    GROUP BY r.batch_id
) AS p USING (batch_id)
ORDER BY m.file_seq
