-- Record how one import-log batch was read (raw.log_imports; staging reads personal_case_ids).
insert or replace into raw.log_imports
values (
    $batch_id, $file, $format, $lifecycle, $object_type, $timezone, $date_format, $encoding,
    $personal_case_ids, $left_out, $open_cases_horizon_seconds
)
