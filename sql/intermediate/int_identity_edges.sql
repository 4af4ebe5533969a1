-- grain: one link between two identifiers seen together (a self-link keeps a lone identifier).
-- Nodes: c:<customer_id>, a:<anonymous_id>, e:<email hash>, p:<phone hash>, t:<ticket_id>,
-- l:<case id of an imported log>. Ambiguous identifiers (int_identity_ambiguous: contacts of
-- several CRM customers, browsers several customers logged in on) link nobody: their events stay
-- with their own key and are counted as unstitched.
WITH ambiguous AS (
    SELECT node FROM intermediate.int_identity_ambiguous
), web_ids AS (
    -- the distinct (visitor, login) pairs of the web events: a few per visitor, not one per event
    SELECT DISTINCT anonymous_id, user_id FROM staging.stg_web
), crm_contacts AS (
    SELECT 'c:' || customer_id AS customer, 'e:' || email_key AS contact
    FROM staging.stg_customers WHERE email_key IS NOT NULL
    UNION ALL
    SELECT 'c:' || customer_id, 'p:' || phone_key
    FROM staging.stg_customers WHERE phone_key IS NOT NULL
), ticket_contacts AS (
    SELECT DISTINCT 't:' || ticket_id AS ticket, 'e:' || email_key AS contact
    FROM staging.stg_support WHERE email_key IS NOT NULL
    UNION
    SELECT DISTINCT 't:' || ticket_id, 'p:' || phone_key
    FROM staging.stg_support WHERE phone_key IS NOT NULL
)
SELECT customer AS left_node, contact AS right_node, 'crm_contact' AS link
FROM crm_contacts WHERE contact NOT IN (SELECT node FROM ambiguous)
UNION ALL
SELECT 'a:' || anonymous_id, 'c:' || user_id, 'login'
FROM web_ids
WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL
    AND 'a:' || anonymous_id NOT IN (SELECT node FROM ambiguous)
UNION ALL
SELECT ticket, contact, 'ticket_contact' FROM ticket_contacts
WHERE contact NOT IN (SELECT node FROM ambiguous)
UNION ALL
SELECT DISTINCT node, node, 'self' FROM (
    SELECT 'c:' || customer_id AS node FROM staging.stg_customers
    UNION ALL SELECT 'c:' || customer_id FROM (SELECT DISTINCT customer_id FROM staging.stg_transactions)
    UNION ALL SELECT CASE WHEN user_id IS NOT NULL THEN 'c:' || user_id ELSE 'a:' || anonymous_id END
        FROM web_ids
    UNION ALL SELECT 'a:' || anonymous_id FROM web_ids WHERE anonymous_id IS NOT NULL
    UNION ALL SELECT 't:' || ticket_id FROM (SELECT DISTINCT ticket_id FROM staging.stg_support)
    UNION ALL SELECT 'l:' || case_id FROM (SELECT DISTINCT case_id FROM staging.stg_log)
)
