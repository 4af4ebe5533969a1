"""``journeys analyze LOG``: an event log to answers in one command (import-log, build, compare).

The three steps run in one process on one open work file, under one writer lock, and the marts
are published once, at the end: the same marts as ``journeys import-log LOG``, ``journeys
build`` and ``journeys compare --map MAP`` one after the other, without two interpreter starts,
two opens and checkpoints of the work file and two publishes in between. A failure half-way
publishes nothing (the previously published marts stay as they were); the work file keeps what
finished, as the separate commands would.

Without ``--map`` the journeys' first map is discovered as ``journeys suggest-map --out`` would
write it (``maps/<log name>.yaml`` unless ``map_out`` says where) and compared against; an
existing file there is never overwritten (it may be a map someone has edited since).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Unpack

from journeys.config import Settings
from journeys.errors import CompareError, IngestError

if TYPE_CHECKING:
    from journeys.build import BuildResult
    from journeys.compare.results import CompareResult
    from journeys.ingest.eventlog import ImportResult, LogOptions

MAPS_FOLDER = Path("maps")
"""Where a discovered map goes by default (relative to the working directory)."""
LOG_SUFFIXES = (
    *(".gz", ".gzip", ".xes", ".csv", ".parquet", ".jsonl", ".json", ".xml", ".sqlite"),
    *(".ocel", ".jsonocel", ".xmlocel", ".sqliteocel"),  # OCEL 2.0 files: orders.ocel.json
)


@dataclass(frozen=True)
class Analysis:
    """What ``analyze_log`` did: the import, the build, the discovered map (if any), the
    compare, and where the marts were published."""

    imported: ImportResult
    built: BuildResult
    compared: CompareResult
    maps: tuple[Path, ...]
    discovered: str | None
    """suggest-map's summary of the map discovered and written (None: maps were given)."""
    published: Path
    reports: Path

    def summary(self) -> str:
        lines = [self.imported.summary(), self.built.summary()]
        if self.discovered is not None:  # its headline, and where it was written
            lines += self.discovered.splitlines()
        lines.append(self.compared.summary())
        lines.append(
            f"published to {self.published}; next: `journeys report` writes the pages "
            f"({self.reports / 'index.html'})"
        )
        return "\n".join(lines)


def default_map_path(log: Path) -> Path:
    """``maps/<the log's name without its format suffixes>.yaml``."""
    name = Path(log).name
    while True:
        stem, dot, suffix = name.rpartition(".")
        if not dot or not stem or f".{suffix.lower()}" not in LOG_SUFFIXES:
            break
        name = stem
    return MAPS_FOLDER / f"{name}.yaml"


def analyze_log(
    settings: Settings,
    path: Path,
    maps: Sequence[Path] = (),
    *,
    map_out: Path | None = None,
    coverage: float = 0.8,
    min_share: float | None = None,
    **options: Unpack[LogOptions],
) -> Analysis:
    """Import the log, build, compare (against ``maps``, or a first map discovered into
    ``map_out``) and publish once; see the module docstring."""
    from journeys.build import build_warehouse
    from journeys.compare.maps import load_map
    from journeys.ingest.eventlog import import_log
    from journeys.publish import open_work
    from journeys.steps import compare_in

    maps = tuple(maps) or tuple(settings.maps)
    out = None if maps else Path(map_out or default_map_path(path))
    if out is not None and out.exists():
        raise CompareError(
            f"{out}: a map is there already (discovered before, perhaps edited since); compare "
            f"against it with `journeys analyze {path} --map {out}`, or discover another with "
            "--map-out NEW.yaml. Nothing was loaded",
            step="analyze",
        )
    for given in maps:  # a map's mistake is named before the log is read, not after
        load_map(Path(given))
    discovered = None
    with open_work(settings, step="analyze", publish=True) as wh:
        imported = import_log(wh, settings, path, command="analyze", **options)
        _require_events(imported)
        built = build_warehouse(wh, settings)
        if out is not None:
            from journeys.compare.discover import discover_map

            discovered = discover_map(wh, settings, coverage=coverage, min_share=min_share, out=out)
        chosen = maps if out is None else (out,)
        compared = compare_in(wh, settings, chosen)
    return Analysis(
        imported=imported,
        built=built,
        compared=compared,
        maps=chosen,
        discovered=discovered,
        published=Path(settings.warehouse),
        reports=Path(settings.reports),
    )


def _require_events(imported: ImportResult) -> None:
    """A log whose every row was rejected stops analyze with the import's summary (it names the
    commonest reasons): the steps after it would only build nothing, and compare would send the
    user to ``journeys build``, hiding what the import said."""
    if not imported.nothing_accepted:
        return
    raise IngestError(
        f"{imported.summary()}. No event to build from; raw.rejects has the row of each: fix "
        "the file or the options and run `journeys analyze` again"
    )
