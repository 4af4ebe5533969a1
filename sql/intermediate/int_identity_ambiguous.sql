-- grain: one identifier left unlinked because it is shared (contact of several CRM customers,
-- or a browser several customers logged in on).
select
    'shared_contact' as kind,
    contact as node
from (
    select c.contact from intermediate.int_crm_contacts as c
    group by c.contact
    having count(distinct c.customer) > 1
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
