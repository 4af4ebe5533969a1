-- grain: one row of an event log its parser read into a frame (landing_frame: XES or OCEL events,
-- every column text), every column as text, in the frame's order (the row's number is its
-- rowid + 1 in the temp table this fills), as ingest/read_parquet reads a delivered file.
select columns(*)::varchar
from landing_frame
