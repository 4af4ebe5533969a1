"""paths stage of the pipeline."""
