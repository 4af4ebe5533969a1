-- grain: one load batch (one delivered file) of one source.
-- rows_read = rows_accepted + rows_rejected + duplicates for every batch (column reconciles);
-- unstitched: accepted events of the batch whose customer is linked to no CRM customer;
-- unmapped: accepted events no touchpoint rule mapped (they keep their event_type);
-- skipped: accepted events no journey holds, those a touchpoint rule skips (skip: true): the
-- batch's accepted rows less its events in intermediate.int_events (CRM rows are no events);
-- unparsed_phones: accepted rows (support, CRM) whose phone the phone library could not parse
-- (raw.phone_numbers; they fall back to their digits).
select
    m.batch_id,
    m.source,
    regexp_extract(m.file, '[^/\\]+$') as file,
    m.loaded_at,
    m.rows_read,
    m.rows_accepted,
    m.rows_rejected,
    m.duplicates,
    m.late_events,
    coalesce(e.unstitched, 0) as unstitched,
    coalesce(e.unmapped, 0) as unmapped,
    case
        when m.source <> 'customers' then m.rows_accepted - coalesce(e.events, 0) else 0
    end as skipped,
    coalesce(p.unparsed_phones, 0) as unparsed_phones,
    m.rows_read = m.rows_accepted + m.rows_rejected + m.duplicates as reconciles,
    m.note
from raw.manifest as m
left join (
    select
        batch_id,
        count(*) as events,
        count(*) filter (where not is_stitched and source <> 'log') as unstitched,
        count(*) filter (where is_unmapped and source <> 'log') as unmapped
    from intermediate.int_events
    group by batch_id
) as e using (batch_id)
left join (
    select
        r.batch_id,
        count(*) as unparsed_phones
    from (
        select
            _batch_id as batch_id,
            'support' as source,
            phone
        from raw.support
        where not _is_duplicate
        union all
        select
            _batch_id,
            'customers',
            phone
        from raw.customers
        where not _is_duplicate
    ) as r
    inner join raw.phone_numbers as n on r.source = n.source and r.phone = n.phone
    where not n.is_parsed and n.phone_norm is not null
    group by r.batch_id
) as p using (batch_id)
order by m.file_seq
