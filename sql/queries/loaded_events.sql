-- grain: one row, the event rows accepted by every load so far (0: nothing to build yet).
SELECT coalesce(sum(rows_accepted), 0) FROM raw.manifest WHERE source <> 'customers'
