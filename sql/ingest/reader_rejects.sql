-- grain: one line on which the reader rejected a record (the reader's own numbering).
select distinct line from landing_rejects
order by line
