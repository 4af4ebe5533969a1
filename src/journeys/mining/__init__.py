"""mining stage of the pipeline."""
