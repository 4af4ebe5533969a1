-- A build starts: until it finishes, no build's inputs are the warehouse's (journeys/build.py).
delete from raw.build_inputs
