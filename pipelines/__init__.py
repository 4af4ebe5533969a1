"""Thin Prefect flows: they call journeys functions and nothing else."""
