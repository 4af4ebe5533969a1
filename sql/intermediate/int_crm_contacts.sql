-- grain: one (CRM customer, contact detail) pair: the customer's node and its email or phone
-- node (a view, read by int_identity_ambiguous and int_identity_edges), of its email and phone
-- columns and of the other contact columns the configuration names (stg_customer_contacts).
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
union
select
    'c:' || customer_id,
    contact
from staging.stg_customer_contacts
