-- grain: one currency of the amounts that make journey values (payments and refunds), most
-- used first; amounts without a currency are left out (they count in the configured currency).
select
    currency,
    count(*) as transactions
from staging.stg_transactions
where
    event_type in ('payment_captured', 'refund_issued')
    and amount is not null and currency is not null
group by currency
order by transactions desc, currency asc
