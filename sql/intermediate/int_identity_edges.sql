-- grain: one link between two identifiers seen together (a self-link keeps a lone identifier).
-- Nodes: c:<customer_id>, a:<anonymous_id>, e:<email hash>, p:<phone hash>, t:<ticket_id>,
-- l:<case id of an imported log>. Contacts shared by several CRM customers (a switchboard phone,
-- a family email) and browsers used by several logged-in customers are ambiguous: they link
-- nobody (their events stay with their own key) and are counted in the build summary.
WITH crm_contacts AS (
    SELECT 'c:' || customer_id AS customer, 'e:' || email_key AS contact
    FROM staging.stg_customers WHERE email_key IS NOT NULL
    UNION ALL
    SELECT 'c:' || customer_id, 'p:' || phone_key
    FROM staging.stg_customers WHERE phone_key IS NOT NULL
), shared_contacts AS (
    SELECT contact FROM crm_contacts GROUP BY contact HAVING count(DISTINCT customer) > 1
), logins AS (
    SELECT DISTINCT 'a:' || anonymous_id AS visitor, 'c:' || user_id AS customer
    FROM staging.stg_web WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL
), shared_visitors AS (
    SELECT visitor FROM logins GROUP BY visitor HAVING count(*) > 1
), ticket_contacts AS (
    SELECT DISTINCT 't:' || ticket_id AS ticket, 'e:' || email_key AS contact
    FROM staging.stg_support WHERE email_key IS NOT NULL
    UNION
    SELECT DISTINCT 't:' || ticket_id, 'p:' || phone_key
    FROM staging.stg_support WHERE phone_key IS NOT NULL
)
SELECT customer AS left_node, contact AS right_node, 'crm_contact' AS link
FROM crm_contacts WHERE contact NOT IN (SELECT contact FROM shared_contacts)
UNION ALL
SELECT visitor, customer, 'login' FROM logins WHERE visitor NOT IN (SELECT visitor FROM shared_visitors)
UNION ALL
SELECT ticket, contact, 'ticket_contact' FROM ticket_contacts
WHERE contact NOT IN (SELECT contact FROM shared_contacts)
UNION ALL
SELECT DISTINCT node, node, 'self' FROM (
    SELECT 'c:' || customer_id AS node FROM staging.stg_customers
    UNION ALL SELECT 'c:' || customer_id FROM staging.stg_transactions
    UNION ALL SELECT CASE WHEN user_id IS NOT NULL THEN 'c:' || user_id ELSE 'a:' || anonymous_id END
        FROM staging.stg_web
    UNION ALL SELECT 'a:' || anonymous_id FROM staging.stg_web WHERE anonymous_id IS NOT NULL
    UNION ALL SELECT 't:' || ticket_id FROM staging.stg_support
    UNION ALL SELECT 'l:' || case_id FROM staging.stg_log
)
