-- grain: one row: identity.blocked, the email addresses and phone numbers that identify nobody,
-- as the keyed hashes staging gives contacts (email_keys of journeys_norm_email of $blocked;
-- phone_keys of $blocked_phones, read by ingest/phones.py in every region a source reads
-- numbers in): no address or number in the clear leaves raw. The contact models and the
-- identity links leave them out.
with emails as (
    select journeys_email_key(v, $salt) as email_key
    from (select unnest(cast($blocked as varchar[])) as v) as listed
    where journeys_norm_email(v) is not null
),

phones as (
    select journeys_phone_key(n, $salt) as phone_key
    from (select unnest(cast($blocked_phones as varchar[])) as n) as listed
)

select
    coalesce((select list(e.email_key) from emails as e), []) as email_keys,
    coalesce((select list(p.phone_key) from phones as p), []) as phone_keys
