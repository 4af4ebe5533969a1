-- A compare finished: its inputs' fingerprint and its maps' headline numbers (JSON), which a
-- compare of the same inputs reports instead of comparing again (compare/unchanged.py).
create or replace table intermediate.compare_inputs as
select
    cast($fingerprint as varchar) as fingerprint,
    cast($summaries as varchar) as summaries
