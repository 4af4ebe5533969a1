-- grain: one row: the session, journey and event rules of the last build
-- (intermediate.int_path_rules, journeys.paths.rules.rules_frame): a change means a full rebuild.
select * from intermediate.int_path_rules
