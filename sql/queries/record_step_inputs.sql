-- A build step finished with these inputs (raw.step_inputs).
insert or replace into raw.step_inputs values ($step, $fingerprint)
