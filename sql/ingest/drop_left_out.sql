-- Drop an event log's rows of other lifecycle transitions from the checked rows: they are left
-- out of the load (counted in raw.log_imports.left_out), as an XES import leaves them out.
delete from landing_checked
where _left_out
