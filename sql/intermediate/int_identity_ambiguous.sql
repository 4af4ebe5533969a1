-- grain: one identifier left unlinked because it is shared (contact of several CRM customers,
-- or a browser several customers logged in on).
select
    'shared_contact' as kind,
    contact as node
from (
    select contact from (
        select
            'c:' || customer_id as customer,
            'e:' || email_key as contact
        from staging.stg_customers
        where email_key is not null
        union all
        select
            'c:' || customer_id,
            'p:' || phone_key
        from staging.stg_customers
        where phone_key is not null
    ) as crm_contacts
    group by contact
    having count(distinct customer) > 1
) as shared
union all
select
    'shared_browser',
    visitor
from (
    select 'a:' || anonymous_id as visitor from staging.stg_web
    where anonymous_id is not null and user_id is not null
    group by visitor
    having count(distinct user_id) > 1
) as visitors
