"""A compare whose inputs are the last finished compare's writes nothing again.

Its inputs are the build's marts (their Parquet files: a build that changed anything wrote new
ones, and a build of unchanged inputs writes none), the settings, the maps' text and the code
(``journeys.inputs``). When they are the last finished compare's, comparing again would write
the same rows and find no new drift: the compare reports that compare's maps and stops, having
loaded no map and no frame library. ``intermediate.compare_inputs`` keeps the fingerprint and
the maps' headline numbers; it is dropped before a compare starts and written after it
finished, so a compare that stopped half-way is never taken for a finished one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from journeys.compare.results import CompareResult, MapSummary
from journeys.config import Settings
from journeys.inputs import fingerprint
from journeys.warehouse import Warehouse

INPUTS = "intermediate.compare_inputs"
WRITTEN = (
    "marts.map",
    "marts.touchpoint_impact",
    "raw.rejects",
    "intermediate.compare_",
    "intermediate.map_",
)
"""Stored tables that are no input of compare (by name prefix): the marts it writes
(``marts.maps``, ``marts.map_*``, ``marts.touchpoint_impact``), the published rejects and its
own state (``intermediate.compare_journeys``, ``compare_changed``: compare/state.py; the kept
step timing ``intermediate.map_*``: compare/cache.py)."""


def compare_fingerprint(wh: Warehouse, settings: Settings, maps: Sequence[Path]) -> str:
    """The fingerprint of a compare of ``maps`` on this work file now."""
    files = {
        name: [f.file for f in stored]
        for name, stored in wh.stored_files().items()
        if not name.startswith(WRITTEN)
    }
    return fingerprint(settings, maps, compare_reads=files)


def last_compare(wh: Warehouse, inputs: str) -> CompareResult | None:
    """The last finished compare's result, when its inputs were ``inputs`` (else None); the
    builds since are recorded as seen."""
    started = time.perf_counter()
    if not wh.table_exists(INPUTS):
        return None
    row = wh.row("queries/compare/last_inputs")
    if row is None or row[0] != inputs:
        return None
    maps = tuple(
        MapSummary(**{**found, "warnings": tuple(found["warnings"])})
        for found in json.loads(row[1])
    )
    wh.execute("queries/compare/saw_builds")
    return CompareResult(maps=maps, seconds=time.perf_counter() - started, changed=0)


def forget_compare(wh: Warehouse) -> None:
    """A compare starts: until it finishes, no compare's inputs are the warehouse's."""
    wh.drop_table(INPUTS)


def record_compare(wh: Warehouse, inputs: str, result: CompareResult) -> None:
    """A compare of ``inputs`` finished with ``result``."""
    summaries = json.dumps([asdict(m) for m in result.maps])
    wh.execute("queries/compare/record_inputs", fingerprint=inputs, summaries=summaries)
