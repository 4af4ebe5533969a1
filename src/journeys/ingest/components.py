"""Identity components across partitions: minimum-label propagation over partitioned links.

A partitioned build (``settings.partitions > 1``) does not gather the identifier graph into one
process. Its links are written once, in both directions, split by the hash of their first end
(``queries/identity_links``): partition k owns the nodes of bucket k and their links. Every
node starts labelled with its own name; in each round one job per partition gives each of its
nodes the smallest of its label, its neighbours' labels and its label's label
(``queries/identity_labels_step``), reading the previous round's labels of every partition.
When a round changes no label, every node carries the smallest node name of its connected
component: a component id, as the union-find of ``identity.py`` gives in one process, so
``int_identity`` names the same customers either way (tests/test_partitions.py).

Rounds are few: the identifier graph is mostly stars around a CRM customer (login, email,
phone, tickets), and pointer jumping halves long chains each round.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from journeys.runner import Runner
from journeys.warehouse import Warehouse

MAX_ROUNDS = 200
"""A safety stop: each round at least halves the longest chain left (pointer jumping)."""


@dataclass(frozen=True)
class LabelJob:
    """One partition's step of one round: its links, every partition's labels of the round
    before (none: the first round starts them), and where to write."""

    part: int
    round: int
    folder: Path
    links: tuple[str, ...]
    labels: tuple[str, ...]
    mine: tuple[str, ...]
    memory_limit: str | None = None
    temp_directory: Path | None = None


@dataclass(frozen=True)
class LabelResult:
    part: int
    file: str
    changed: int


def label_components(
    wh: Warehouse, *, parts: int, folder: Path, run_tasks: Runner, **limits: object
) -> list[str]:
    """Label every node of ``int_identity_edges`` (temp) with its component, in
    ``parts`` partitions as jobs of ``run_tasks``; returns the final label files (node,
    component) for ``int_identity_components``."""
    links_folder = folder / "links"
    wh.export_model_parquet(
        "queries/identity_links", links_folder, partition_by="part", parts=parts
    )
    links = {
        k: tuple(str(f) for f in sorted((links_folder / f"part={k}").glob("*.parquet")))
        for k in range(parts)
    }
    owned = [k for k in range(parts) if links[k]]
    labels: dict[int, str] = {}
    for round_no in range(MAX_ROUNDS):
        jobs = [
            LabelJob(
                part=k,
                round=round_no,
                folder=folder,
                links=links[k],
                labels=tuple(labels.values()),
                mine=(labels[k],) if k in labels else (),
                memory_limit=limits.get("memory_limit"),  # type: ignore[arg-type]
                temp_directory=limits.get("temp_directory"),  # type: ignore[arg-type]
            )
            for k in owned
        ]
        results = run_tasks(label_step, jobs)
        labels = {r.part: r.file for r in results}
        if round_no > 0 and not any(r.changed for r in results):
            break
    return [labels[k] for k in owned]


def label_step(job: LabelJob) -> LabelResult:
    """One round of one partition, in a private in-memory DuckDB (see the module docstring)."""
    out = job.folder / "labels" / f"r{job.round:03d}-p{job.part:05d}-{os.urandom(4).hex()}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    with Warehouse(memory_limit=job.memory_limit, temp_directory=job.temp_directory) as wh:
        wh.define_stored_view("links", job.links)
        if not job.mine:
            wh.export_model_parquet("queries/identity_labels_start", out)
            return LabelResult(job.part, str(out), changed=1)
        wh.define_stored_view("mine", job.mine)
        wh.define_stored_view("labels", job.labels)
        wh.export_model_parquet("queries/identity_labels_step", out)
        changed = wh.scalar("queries/identity_labels_changed", file=str(out))
    return LabelResult(job.part, str(out), changed=int(changed or 0))
