-- grain: one distinct (visitor, login) pair of the web events (staging.stg_web): a browser's
-- anonymous_id with each user_id it carried (NULL before a login; a login without a browser id
-- too), a few per browser rather than one per event. int_identity_ambiguous (a browser's
-- logins) and int_identity_edges (the logins, the visitors' nodes) read these, where each made
-- them in a pass of its own over every web event (0.34 s and 4.8M rows into a grouping at 10M
-- events). A temp table of one stitching (ingest/identity.py, GRAPH), named without a schema.
select distinct
    anonymous_id,
    user_id
from staging.stg_web
