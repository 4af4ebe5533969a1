-- grain: one value, whether any source delivered a phone number (queries/phone_values lists
-- them): without one, raw.phone_numbers is empty and nothing is parsed. The CRM's other
-- contact values (raw.contact_values) count too.
select
    exists (
        select 1 from raw.customers
        where not _is_duplicate and not journeys_blank(phone)
    )
    or exists (
        select 1 from raw.support
        where not _is_duplicate and not journeys_blank(phone)
    )
    or exists (
        select 1 from raw.contact_values
        where not contains(value, '@')
    ) as has_phones
