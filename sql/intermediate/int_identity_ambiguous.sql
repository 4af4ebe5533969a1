-- grain: one identifier left unlinked because it is shared (contact of several CRM customers,
-- a browser several people logged in or bought on, an order of several customers).
-- A browser's people are its logins and the customers of the orders it bought without logging
-- in (staging.stg_web.order_id; a purchase made logged in is its login's), each an address one
-- CRM customer has counted as that customer ($salt: the address's keyed hash, as staging's): a
-- login c-1001 and an order of ann@example.com, Ann's address in the CRM, are one person. The
-- orders' customers: int_purchase_buyers; the logins: int_web_ids.
with contacts as (
    -- each CRM contact, with how many customers have it (one pass over the contacts)
    select
        contact,
        count(distinct customer) as customers,
        min(customer) as customer
    from intermediate.int_crm_contacts
    group by contact
),

crm_emails as (
    -- an address one CRM customer has, with that customer
    select
        contact,
        customer
    from contacts
    where customers = 1 and starts_with(contact, 'e:')
),

seen as materialized (
    -- a browser's logins, and the customers of the orders it bought as a guest
    select
        'a:' || anonymous_id as visitor,
        user_id as id
    from int_web_ids
    where anonymous_id is not null and user_id is not null
    union all
    select
        'a:' || w.anonymous_id,
        b.customer_id
    from staging.stg_web as w
    inner join int_purchase_buyers as b on w.order_id = b.order_id
    where w.anonymous_id is not null and w.user_id is null
),

several as (
    -- the browsers with more than one id (min and max differ: no distinct count of every
    -- browser's ids): only theirs are looked up as people
    select visitor
    from seen
    group by visitor
    having min(id) <> max(id)
),

people as (
    select
        s.visitor,
        coalesce(c.customer, 'c:' || s.id) as person
    from (
        select
            visitor,
            id,
            case when contains(id, '@') then 'e:' || journeys_email_key(id, $salt) end
                as email_node
        from seen
        where visitor in (select visitor from several)
    ) as s
    left join crm_emails as c on s.email_node = c.contact
)

select
    'shared_contact' as kind,
    contact as node
from contacts
where customers > 1
union all
select
    'shared_browser',
    visitor
from people
group by visitor
having count(distinct person) > 1
union all
select
    'shared_order',
    'o:' || order_id
from int_purchase_buyers
group by order_id
having count(distinct customer_id) > 1
