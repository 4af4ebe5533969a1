"""Build the mining marts: ``marts.touchpoints``, ``marts.transitions``, ``marts.variants``.

Each customer partition counts its variants, sub-paths and pairs while it builds its path marts
(``intermediate.part_*``, ``paths.scope.build_part``); a journey and a customer belong to one
partition, so those counts add up exactly. Medians need every value of a group in one place:
they are computed per variant and per pair (``int_variant_durations``, ``int_pair_times``), in
buckets of their key's hash that a cluster runs as tasks (``MedianJob``), and never combined
from partial medians. The writer then adds the counts up and ranks the variants (SQL in
``sql/marts/`` and ``sql/intermediate/``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.runner import Runner
from journeys.warehouse import Warehouse

PART_MODELS = (
    "intermediate/part_variants",
    "intermediate/part_subpaths",
    "intermediate/part_pairs",
)
"""Per partition (built by the path build; built here when a warehouse lacks them)."""
MEDIAN_MODELS = ("intermediate/int_variant_durations", "intermediate/int_pair_times")
"""Per key bucket ($buckets, $bucket): the medians of marts.variants and marts.transitions."""
MINING_MODELS = (
    "intermediate/int_subpath_counts",
    "marts/variants",
    "marts/touchpoints",
    "marts/transitions",
)
"""In this order: touchpoints and transitions read the variants' counts and the distinct
journeys and customers of ``intermediate.int_subpath_counts``."""


@dataclass(frozen=True)
class MiningResult:
    """What ``build_mining`` wrote."""

    touchpoints: int
    transitions: int
    variants: int
    seconds: float

    def summary(self) -> str:
        return (
            f"mining: {self.touchpoints} touchpoints, {self.transitions} transitions, "
            f"{self.variants} variants in {self.seconds:.1f}s"
        )


@dataclass(frozen=True)
class MedianJob:
    """One key bucket of the medians: the path marts' files it reads, where it writes."""

    key: int
    keys: int
    data: Path
    journeys: tuple[str, ...]
    events: tuple[str, ...]
    memory_limit: str | None = None
    temp_directory: Path | None = None


def build_mining(
    wh: Warehouse, settings: Settings, *, run_tasks: Runner | None = None
) -> MiningResult:
    """Rebuild the three mining marts from the partitions' counts and the path marts. With
    ``run_tasks`` and ``settings.partitions > 1``, the medians run as one task per key bucket
    (the same SQL the writer runs otherwise, over all the files)."""
    started = time.perf_counter()
    for table in ("marts.events", "marts.journeys"):
        if not wh.table_exists(table):
            raise BuildError(f"{table}: table not found; run build_paths (`journeys build`) first")
    if not all(wh.table_exists(m.replace("/", ".")) for m in PART_MODELS):
        wh.run_models(PART_MODELS)  # path marts written without them (a test's own marts)
    keys = settings.partitions
    if run_tasks is not None and keys > 1 and wh.is_stored("marts.events"):
        stored = wh.stored_files()
        jobs = [
            MedianJob(
                key=key,
                keys=keys,
                data=Path(wh.data or "."),
                journeys=tuple(f.file for f in stored["marts.journeys"]),
                events=tuple(f.file for f in stored["marts.events"]),
                memory_limit=settings.memory_limit,
                temp_directory=settings.temp_directory,
            )
            for key in range(keys)
        ]
        results = run_tasks(compute_medians, jobs)
        for i, model in enumerate(MEDIAN_MODELS):
            files = [(r[i], j.key) for j, r in zip(jobs, results, strict=True)]
            wh.adopt_files(model.replace("/", "."), files)
    else:
        wh.run_models(MEDIAN_MODELS, buckets=1, bucket=0)
    counts = wh.run_models(MINING_MODELS)
    return MiningResult(
        touchpoints=counts["marts/touchpoints"],
        transitions=counts["marts/transitions"],
        variants=counts["marts/variants"],
        seconds=time.perf_counter() - started,
    )


def compute_medians(job: MedianJob) -> tuple[str, ...]:
    """One key bucket's medians, in a private in-memory DuckDB over the path marts' files,
    written as Parquet into the data folder (a file per MEDIAN_MODELS table)."""
    with Warehouse(memory_limit=job.memory_limit, temp_directory=job.temp_directory) as wh:
        wh.define_stored_view("marts.journeys", job.journeys)
        wh.define_stored_view("marts.events", job.events)
        files = []
        for model in MEDIAN_MODELS:
            wh.run_model(model, buckets=job.keys, bucket=job.key)
            schema, _, name = model.partition("/")
            path = job.data / schema / name / f"k{job.key:05d}-{os.urandom(8).hex()}.parquet"
            wh.export_parquet(model.replace("/", "."), path)
            files.append(str(path))
    return tuple(files)
