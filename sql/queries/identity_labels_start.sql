-- grain: one identifier node (id) of a partition (every first end of its links), labelled with
-- itself: label propagation's start (ingest/components.py). Reads the temp view `links` (the
-- partition's links: a, b, node ids).
select distinct
    a as node,
    a as component
from links
