-- grain: one accepted, deduplicated touchpoint event of any source, with its customer_key and
-- its touchpoint, channel, team and system from the first matching mapping rule (rules in
-- configuration order). Unmapped events keep event_type as touchpoint and the source defaults:
-- channel web / orders / the support channel; system web analytics / order system / the
-- support system. Ordering rule everywhere downstream: occurred_at, then seq.
--
-- Rules are matched once per distinct *signature*: the source, the event type and the values of
-- the fields that source's rules test (a page path, a sales channel attribute), hashed. Millions
-- of page views share a few hundred signatures, so the glob tests run on those, not per event.
-- The sources are read twice (the signatures, then the events), never materialised in between:
-- a second narrow scan and hash is much cheaper than writing and re-reading every wide row.
-- Only the events with $seq_from <= seq < $seq_to: a partitioned build runs one range per job.
with source_events as not materialized (
    -- one accepted, deduplicated event of any source, before touchpoint mapping, with the
    -- identifier node that carries its customer. seq (arrival order) is unique across sources.
    select
        seq,
        event_id,
        'transactions' as source,
        coalesce('c:' || customer_id, 'o:' || order_id) as node,  -- a guest: its order
        cast(null as varchar) as case_id,
        event_type,
        occurred_at,
        cast(null as varchar) as page_path,
        cast(null as varchar) as referrer,
        cast(null as varchar) as device,
        cast(null as varchar) as channel_in,
        cast(null as varchar) as team_in,
        cast(null as varchar) as system_in,
        cast(null as varchar) as category,
        order_id,
        cast(null as varchar) as ticket_id,
        -- in the configured currency (staging.exchange_rates; no currency: already in it)
        case event_type
            when 'payment_captured' then coalesce(amount * coalesce(rate, 1), 0)
            when 'refund_issued' then -coalesce(amount * coalesce(rate, 1), 0) else 0
        end as value,
        attributes,
        batch_id
    from staging.stg_transactions
    left join staging.exchange_rates using (currency)
    union all
    select
        seq,
        event_id,
        'web',
        case when user_id is not null then 'c:' || user_id else 'a:' || anonymous_id end,
        null,
        event_type,
        occurred_at,
        page_path,
        referrer,
        device,
        null,
        null,
        null,
        null,
        null,
        null,
        0,
        attributes,
        batch_id
    from staging.stg_web
    union all
    select
        seq,
        event_id,
        'support',
        't:' || ticket_id,
        null,
        event_type,
        occurred_at,
        null,
        null,
        null,
        channel,
        team,
        system,
        category,
        null,
        ticket_id,
        0,
        attributes,
        batch_id
    from staging.stg_support
    union all
    select
        seq,
        event_id,
        'log',
        'l:' || case_id,
        case_id,
        activity,
        occurred_at,
        null,
        null,
        null,
        channel,
        team,
        null,
        null,
        null,
        null,
        0,
        attributes,
        batch_id
    from staging.stg_log
),

tested as (
    -- the fields each source's rules test; any other name is a delivered attribute
    select
        r.source,
        case when c.field in (
            'event_type', 'page_path', 'referrer', 'device', 'channel', 'team',
            'system', 'category', 'order_id', 'ticket_id'
        ) then c.field
        else 'attributes' end
            as field
    from staging.touchpoint_conditions as c
    inner join staging.touchpoint_rules as r using (rule_no)
),

flags as (
    select
        source,
        bool_or(field = 'page_path') as t_page_path,
        bool_or(field = 'referrer') as t_referrer,
        bool_or(field = 'device') as t_device,
        bool_or(field = 'channel') as t_channel,
        bool_or(field = 'team') as t_team,
        bool_or(field = 'system') as t_system,
        bool_or(field = 'category') as t_category,
        bool_or(field = 'order_id') as t_order_id,
        bool_or(field = 'ticket_id') as t_ticket_id,
        bool_or(field = 'attributes') as t_attributes
    from tested
    group by source
),

keyed as not materialized (
    -- each event with only the fields its source's rules test (the rest NULL), and their hash
    select
        *,
        hash(
            source, event_type, page_path_t, referrer_t, device_t, channel_t, team_t,
            system_t, category_t, order_id_t, ticket_id_t, attributes_t
        ) as signature
    from (
        select
            e.*,
            case when f.t_page_path then e.page_path end as page_path_t,
            case when f.t_referrer then e.referrer end as referrer_t,
            case when f.t_device then e.device end as device_t,
            case when f.t_channel then e.channel_in end as channel_t,
            case when f.t_team then e.team_in end as team_t,
            case when f.t_system then e.system_in end as system_t,
            case when f.t_category then e.category end as category_t,
            case when f.t_order_id then e.order_id end as order_id_t,
            case when f.t_ticket_id then e.ticket_id end as ticket_id_t,
            case when f.t_attributes then e.attributes end as attributes_t
        from source_events as e
        left join flags as f on e.source = f.source
        -- a slice of the arrival order: all of it in one process, one range per job of a
        -- partitioned build (ingest/slices.py)
        where e.seq >= $seq_from and e.seq < $seq_to
    ) as kept
),

signatures as (
    select
        signature,
        any_value(source) as source,
        any_value(event_type) as event_type,
        any_value(page_path_t) as page_path,
        any_value(referrer_t) as referrer,
        any_value(device_t) as device,
        any_value(channel_t) as channel_in,
        any_value(team_t) as team_in,
        any_value(system_t) as system_in,
        any_value(category_t) as category,
        any_value(order_id_t) as order_id,
        any_value(ticket_id_t) as ticket_id,
        any_value(attributes_t) as attributes
    from keyed
    group by signature
),

candidates as (
    -- every (signature, rule) whose source and event_type glob fit
    select
        s.*,
        r.rule_no
    from signatures as s
    inner join staging.touchpoint_rules as r
        on s.source = r.source and s.event_type glob r.event_type_glob
),

checked as (
    -- a candidate matches when every field condition of its rule holds (rules without
    -- conditions match outright)
    select
        cand.signature,
        cand.rule_no,
        bool_and(c.rule_no is null or coalesce((
            case c.field
                when 'event_type' then cand.event_type when 'page_path' then cand.page_path
                when 'referrer' then cand.referrer when 'device' then cand.device
                when 'channel' then cand.channel_in when 'team' then cand.team_in
                when 'system' then cand.system_in when 'category' then cand.category
                when 'order_id' then cand.order_id when 'ticket_id' then cand.ticket_id
                else json_extract_string(cand.attributes, '$."' || c.field || '"')
            end
        ) glob c.pattern, false)) as matched
    from candidates as cand
    left join staging.touchpoint_conditions as c on cand.rule_no = c.rule_no
    group by cand.signature, cand.rule_no
),

matches as (
    select
        signature,
        min(rule_no) as rule_no
    from checked
    where matched
    group by signature
)

select
    e.event_id,
    e.source,
    i.customer_key,
    e.case_id,
    e.occurred_at,
    e.seq,
    e.event_type,
    coalesce(r.touchpoint, e.event_type) as touchpoint,
    -- (the texts written here, and the source names above, are listed in
    -- queries/int_event_texts.sql too: keep them the same)
    coalesce(r.channel, e.channel_in, case e.source
        when 'web' then 'web'
        when 'transactions' then 'orders'
    end) as channel,
    coalesce(r.team, e.team_in) as team,
    coalesce(r.system, e.system_in, case e.source
        when 'web' then 'web analytics'
        when 'transactions' then 'order system'
    end) as system,
    e.value,
    e.batch_id,
    -- the thread a journey never splits (marts/events.sql): an order or a ticket (unique with
    -- the source), NULL for web and log events (an imported case is a journey as is)
    coalesce(e.order_id, nullif(e.ticket_id, '')) as thread_id,
    -- the support category (billing, delivery, ...), NULL for other sources: the topic a repeat
    -- contact repeats (intermediate/int_effort_events.sql)
    e.category as topic,
    r.rule_no is null as is_unmapped,
    i.is_stitched
from keyed as e
inner join intermediate.int_identity as i on e.node = i.node
left join matches as m on e.signature = m.signature
left join staging.touchpoint_rules as r on m.rule_no = r.rule_no
-- an event a rule skips is no touchpoint of any journey (marts.data_quality counts it)
where not coalesce(r.skip, false)
