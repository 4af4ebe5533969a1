-- grain: one row: the effort rules of the last build (intermediate.int_effort_rules,
-- journeys.paths.effort.EffortRules.frame): a change rebuilds every customer's effort.
select rules from intermediate.int_effort_rules
