-- grain: one currency of the amounts that make journey values (payments and refunds), most
-- used first; amounts without a currency are left out (they count in the configured currency).
SELECT currency, count(*) AS transactions
FROM staging.stg_transactions
WHERE event_type IN ('payment_captured', 'refund_issued')
    AND amount IS NOT NULL AND currency IS NOT NULL
GROUP BY currency
ORDER BY transactions DESC, currency
