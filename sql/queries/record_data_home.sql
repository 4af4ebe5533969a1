-- grain: one row, the data folder the work file's stored tables are in now
insert or replace into raw.data_home (folder) values ($folder)
