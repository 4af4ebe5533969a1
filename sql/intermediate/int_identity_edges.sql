-- grain: one link between two identifiers seen together (a self-link keeps a lone identifier).
-- Nodes: c:<customer_id>, a:<anonymous_id>, e:<email hash>, p:<phone hash>, t:<ticket_id>,
-- l:<case id of an imported log>, o:<order id of a guest checkout, or of a web purchase>.
-- Ambiguous identifiers (int_identity_ambiguous: contacts of several CRM customers, browsers
-- several customers logged in or bought on, orders of several customers) link nobody: their
-- events stay with their own key and are counted as unstitched.
-- A temp table of one stitching (ingest/identity.py, GRAPH), named without a schema: never
-- written to the work file.
-- A web purchase event's order (stg_web.order_id: GA4's ecommerce.transaction_id) makes its
-- visitor the order's buyer: the visitor (its login, else its browser) and the order's customer
-- (or, for a guest checkout, the order itself) are linked through the order, so the browsing
-- before a guest checkout is its buyer's.
-- A customer id that is an email address (a login by email, a shop's order export that names
-- its customer by email) is also that address's contact: it meets the CRM customer and the
-- tickets with that address, in the keyed hash staging gives it ($salt; not blocked).
with ambiguous as (
    select node from intermediate.int_identity_ambiguous
),

web_ids as (
    -- the distinct (visitor, login) pairs of the web events: a few per visitor, not one per event
    select
        anonymous_id,
        user_id
    from int_web_ids
),

crm_contacts as (
    select
        customer,
        contact
    from intermediate.int_crm_contacts
),

id_emails as (
    -- the distinct customer ids that hold an @, with their address's key (as staging's)
    select
        id,
        journeys_email_key(id, $salt) as email_key
    from (
        select user_id as id from web_ids
        where contains(user_id, '@')
        union
        select customer_id from staging.stg_transactions
        where contains(customer_id, '@')
    ) as ids
),

id_contacts as (
    select
        'c:' || i.id as customer,
        'e:' || i.email_key as contact
    from id_emails as i
    cross join staging.stg_blocked as b  -- identity.blocked
    where i.email_key is not null and not list_contains(b.email_keys, i.email_key)
),

purchases as (
    -- the distinct (visitor, order) pairs of the web's purchase events
    select distinct
        case when user_id is not null then 'c:' || user_id else 'a:' || anonymous_id end
            as visitor,
        'o:' || order_id as order_node
    from staging.stg_web
    where $purchases and order_id is not null
),

order_buyers as (
    -- the customers of the orders a purchase event names (a guest checkout's order is its own)
    select
        'c:' || customer_id as customer,
        'o:' || order_id as order_node
    from int_purchase_buyers
),

ticket_contacts as (
    select distinct
        't:' || ticket_id as ticket,
        'e:' || email_key as contact
    from staging.stg_support
    where email_key is not null
    union
    select distinct
        't:' || ticket_id,
        'p:' || phone_key
    from staging.stg_support
    where phone_key is not null
)

select
    customer as left_node,
    contact as right_node,
    'crm_contact' as link
from crm_contacts
where contact not in (select node from ambiguous)
union all
select
    'a:' || anonymous_id,
    'c:' || user_id,
    'login'
from web_ids
where
    anonymous_id is not null and user_id is not null
    and 'a:' || anonymous_id not in (select node from ambiguous)
union all
select
    customer,
    contact,
    'id_email'
from id_contacts
where contact not in (select node from ambiguous)
union all
select
    ticket,
    contact,
    'ticket_contact'
from ticket_contacts
where contact not in (select node from ambiguous)
union all
select
    visitor,
    order_node,
    'purchase'
from purchases
where
    visitor not in (select node from ambiguous)
    and order_node not in (select node from ambiguous)
union all
select
    customer,
    order_node,
    'order'
from order_buyers
where order_node not in (select node from ambiguous)
union all
select distinct
    node as left_node,
    node as right_node,
    'self' as link
from (
    select 'c:' || customer_id as node from staging.stg_customers
    union all
    select distinct coalesce('c:' || customer_id, 'o:' || order_id)  -- a guest: its order
    from staging.stg_transactions
    union all
    select case when user_id is not null then 'c:' || user_id else 'a:' || anonymous_id end
    from web_ids
    union all
    select 'a:' || anonymous_id from web_ids
    where anonymous_id is not null
    union all
    select 't:' || ticket_id from (select distinct ticket_id from staging.stg_support) as tickets
    union all
    select 'l:' || case_id from (select distinct case_id from staging.stg_log) as cases
) as nodes
