-- grain: one identifier node (id) of a partition (every first end of its links), labelled with
-- itself: label propagation's start (ingest/components.py). Reads the temp view `links` (the
-- partition's links: a, b, node ids).
SELECT DISTINCT a AS node, a AS component FROM links
