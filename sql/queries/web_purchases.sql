-- grain: one value: whether any web event names the order it made (staging.stg_web.order_id),
-- so identity looks at orders for purchases at all (int_identity_ambiguous, _edges). Any one
-- such event answers: the first found, in no order.
select count(*) > 0 as any_purchase
from (
    select 1 from staging.stg_web
    where order_id is not null
    limit 1  -- noqa: AM09
) as found
