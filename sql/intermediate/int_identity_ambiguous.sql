-- grain: one identifier left unlinked because it is shared (contact of several CRM customers,
-- or a browser several customers logged in on).
SELECT 'shared_contact' AS kind, contact AS node FROM (
    SELECT contact FROM (
        SELECT 'c:' || customer_id AS customer, 'e:' || email_key AS contact
        FROM staging.stg_customers WHERE email_key IS NOT NULL
        UNION ALL
        SELECT 'c:' || customer_id, 'p:' || phone_key
        FROM staging.stg_customers WHERE phone_key IS NOT NULL
    ) GROUP BY contact HAVING count(DISTINCT customer) > 1
)
UNION ALL
SELECT 'shared_browser', visitor FROM (
    SELECT 'a:' || anonymous_id AS visitor FROM staging.stg_web
    WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL
    GROUP BY visitor HAVING count(DISTINCT user_id) > 1
)
