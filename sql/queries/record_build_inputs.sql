-- A build finished: its inputs' fingerprint and headline counts (journeys/build.py).
insert into raw.build_inputs
values (
    $fingerprint,
    $events,
    $customers,
    $stitched_customers,
    $unstitched_events,
    $unmapped_events,
    $skipped_events,
    $journeys
)
