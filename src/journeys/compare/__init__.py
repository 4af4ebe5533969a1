"""compare stage of the pipeline."""
