-- grain: one (order, customer) of an order a web purchase event names (staging.stg_web.order_id:
-- GA4's ecommerce.transaction_id) and a customer its transactions name (a guest checkout's
-- order names none: it is its own node). Read by int_identity_ambiguous (the people a browser
-- bought for, an order of several customers) and int_identity_edges (the order's buyer).
-- $purchases: any web event names its order (queries/web_purchases); without, no order is read.
-- A temp table of one stitching (ingest/identity.py, GRAPH), named without a schema.
select distinct
    t.order_id,
    t.customer_id
from staging.stg_transactions as t
where
    $purchases
    and t.customer_id is not null
    and t.order_id in (
        select w.order_id from staging.stg_web as w
        where w.order_id is not null
    )
