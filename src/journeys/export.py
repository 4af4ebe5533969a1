"""``journeys export``: every published mart as Parquet, readable without DuckDB.

One file per mart (``DIR/<table>.parquet``); marts larger than ``partition_rows`` are written as
Hive-partitioned folders by month of their time column (``DIR/events/month=2026-03/…``), which
polars, pyarrow, Spark and DuckDB all read as one dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from journeys.errors import JourneysError, os_failure
from journeys.warehouse import Warehouse

TIME_COLUMNS = ("occurred_at", "started_at")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    tables: tuple[tuple[str, int, bool], ...]
    """(table, rows, partitioned)."""

    def summary(self) -> str:
        parts = ", ".join(f"{t} ({n} rows{', by month' if p else ''})" for t, n, p in self.tables)
        return f"export: {len(self.tables)} marts to {self.folder}: {parts}"


def export_marts(
    wh: Warehouse, out: Path, *, fmt: str = "parquet", partition_rows: int = 1_000_000
) -> ExportResult:
    if fmt != "parquet":
        raise JourneysError(
            f"--format {fmt}: only parquet is supported; use --format parquet", step="export"
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise JourneysError(
            f"{out}: is a file, not a folder; pass --out a folder (made if missing)", step="export"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        failure = os_failure(out, exc, doing="make the export folder")
        raise JourneysError(failure, step="export") from None
    written = []
    for table in wh.tables("marts"):
        rows = wh.count(f"marts.{table}")
        time_col = next((c for c in TIME_COLUMNS if c in wh.columns(f"marts.{table}")), None)
        partitioned = rows > partition_rows and time_col is not None
        if partitioned:
            wh.export_parquet(f"marts.{table}", out / table, month_of=time_col, portable=True)
        else:
            wh.export_parquet(f"marts.{table}", out / f"{table}.parquet", portable=True)
        written.append((table, rows, partitioned))
    if not written:
        raise JourneysError(
            f"{wh.path}: no marts to export; run `journeys build` first", step="export"
        )
    return ExportResult(out, tuple(written))
