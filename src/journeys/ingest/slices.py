"""``intermediate.int_events`` in slices of the arrival order, as jobs of a partitioned build.

With ``settings.partitions > 1`` the writer does not compute the events itself: it cuts the
accepted events into ranges of ``seq`` of about equal size (``queries/event_slice_bounds``),
checkpoints and releases its work file (``Warehouse.released``), and each job opens the work
file read-only, runs ``sql/intermediate/int_events.sql`` for its range (staging, identity and
the touchpoint rules are all in the work file) and writes its rows as Parquet into the data
folder, split by customer-hash partition, as the path build reads them. The writer then only
adds the files to its catalog. A range of ``seq`` reads only the row groups that hold it:
rows are appended in arrival order, so each job scans about its share of the raw tables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from journeys.runner import Runner
from journeys.warehouse import Warehouse

EVENTS = "intermediate.int_events"
SEQ_MIN, SEQ_END = -(2**63), 2**63 - 1
"""Every seq is within: the one range of a build in one process."""


@dataclass(frozen=True)
class EventSliceJob:
    """One range of arrival numbers: where the work file and the data folder are."""

    slice: int
    seq_from: int
    seq_to: int
    parts: int
    work: Path
    data: Path
    memory_limit: str | None = None
    temp_directory: Path | None = None
    texts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Text columns written as ENUMs of these values (build.int_event_texts)."""


def build_event_slices(
    wh: Warehouse,
    *,
    slices: int,
    parts: int,
    run_tasks: Runner,
    texts: Mapping[str, Sequence[str]] | None = None,
    **limits: object,
) -> int:
    """Write ``intermediate.int_events`` as ``slices`` jobs of ``run_tasks`` (see the module
    docstring; ``texts``: as ``EventSliceJob.texts``); returns the events written."""
    cuts = [i / slices for i in range(1, slices)]
    bounds = sorted(set(wh.scalar("queries/event_slice_bounds", cuts=cuts) or []))
    edges = [SEQ_MIN, *bounds, SEQ_END]
    assert wh.path is not None and wh.data is not None
    jobs = [
        EventSliceJob(
            slice=i,
            seq_from=edges[i],
            seq_to=edges[i + 1],
            parts=parts,
            work=wh.path,
            data=wh.data,
            memory_limit=limits.get("memory_limit"),  # type: ignore[arg-type]
            temp_directory=limits.get("temp_directory"),  # type: ignore[arg-type]
            texts=dict(texts or {}),
        )
        for i in range(len(edges) - 1)
    ]
    with wh.released():
        results = run_tasks(build_event_slice, jobs)
    return wh.adopt_files(EVENTS, [(f, part) for files in results for f, part in files])


def build_event_slice(job: EventSliceJob) -> list[tuple[str, int]]:
    """One range's events, from the work file opened read-only, as Parquet files of the
    customer-hash partitions; returns (file, partition) of each."""
    folder = job.data / "intermediate" / "int_events" / f"s{job.slice:05d}-{os.urandom(6).hex()}"
    with Warehouse(
        job.work, read_only=True, memory_limit=job.memory_limit, temp_directory=job.temp_directory
    ) as wh:
        found = wh.export_parts(
            "intermediate/int_events",
            folder,
            parts=job.parts,
            key="customer_key",
            texts=job.texts,
            seq_from=job.seq_from,
            seq_to=job.seq_to,
        )
    return [(str(f), part) for f, part in found]
