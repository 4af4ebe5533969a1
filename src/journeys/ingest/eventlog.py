"""``journeys import-log``: any event log (CSV, Parquet, JSONL, XES, XES.gz) as journeys.

Each case becomes one journey as is: its events keep their case id, which the path builder
uses as the journey. The case id is a value: ``NA``, ``null`` and ``""`` are case ids, not
missing values. Events with equal timestamps keep their order in the file (``seq``).
"""

from __future__ import annotations

import gzip
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.contracts import detect_format
from journeys.ingest.load import BatchResult, ensure_raw, load_file
from journeys.warehouse import Warehouse


@dataclass(frozen=True)
class ImportResult:
    batch: BatchResult
    cases: int
    activities: int

    def summary(self) -> str:
        return f"{self.batch.summary()}; {self.cases} cases, {self.activities} activities"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xes(path: Path) -> pl.DataFrame:
    """Flatten an XES (or XES.gz) file: one row per event, trace attributes prefixed ``case:``.

    Streams the XML, so large logs do not need a DOM in memory.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    rows: list[dict[str, str]] = []
    trace_attrs: dict[str, str] = {}
    event: dict[str, str] | None = None
    depth_in_trace = False
    try:
        with opener(path, "rb") as handle:
            for kind, element in ET.iterparse(handle, events=("start", "end")):
                name = _local(element.tag)
                if kind == "start":
                    if name == "trace":
                        trace_attrs, depth_in_trace = {}, True
                    elif name == "event" and depth_in_trace:
                        event = {}
                    continue
                if name in ("string", "date", "int", "float", "boolean", "id"):
                    key, value = element.get("key"), element.get("value")
                    if key is not None and value is not None:
                        if event is not None:
                            event.setdefault(key, value)
                        elif depth_in_trace:
                            trace_attrs.setdefault(f"case:{key}", value)
                elif name == "event" and event is not None:
                    rows.append({**trace_attrs, **event})
                    event = None
                    element.clear()
                elif name == "trace":
                    depth_in_trace = False
                    element.clear()
    except (ET.ParseError, OSError, EOFError) as exc:
        raise IngestError(
            f"{path.name}: not a readable XES file ({exc}); check the file is complete XES XML. "
            "Nothing was loaded from it"
        ) from exc
    if not rows:
        return pl.DataFrame()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return pl.DataFrame(
        {c: [row.get(c) for row in rows] for c in columns}, schema={c: pl.String for c in columns}
    )


def import_log(
    wh: Warehouse,
    settings: Settings,
    path: Path,
    *,
    case_col: str,
    activity_col: str,
    timestamp_col: str,
    channel_col: str | None = None,
    fmt: str | None = None,
    open_cases_horizon: int | None = None,
) -> ImportResult:
    """Load one event log file as a batch of source ``log``; see the module docstring.

    The log is historical (every case completed) unless ``open_cases_horizon`` (seconds) says
    the extract is live: then a case whose last event is that recent may still be in flight.
    Recorded per batch in ``raw.log_imports`` (importing the same file again updates it)."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file; check the path")
    kind = detect_format(path, fmt or "auto")
    column_map = {"case_id": case_col, "activity": activity_col, "occurred_at": timestamp_col}
    if channel_col:
        column_map["channel"] = channel_col
    fix = "pass the file's column names with --case-col, --activity-col and --timestamp-col"
    ensure_raw(wh)
    if kind == "xes":
        frame = read_xes(path)
        if frame.is_empty():
            raise IngestError(f"{path.name}: the XES file has no events; nothing to import")
        with tempfile.TemporaryDirectory() as tmp:
            flat = Path(tmp) / (path.name.split(".")[0] + ".parquet")
            frame.write_parquet(flat)
            batch = load_file(
                wh, settings, "log", flat, column_map=column_map, fmt="parquet", missing_fix=fix
            )
    else:
        batch = load_file(
            wh, settings, "log", path, column_map=column_map, fmt=kind, missing_fix=fix
        )
    _record_options(wh, batch.batch_id, open_cases_horizon)
    counts = wh.query("queries/log_counts", batch_id=batch.batch_id).row(0, named=True)
    return ImportResult(batch=batch, cases=counts["cases"], activities=counts["activities"])


def _record_options(wh: Warehouse, batch_id: str, open_cases_horizon: int | None) -> None:
    wh.delete_where("raw.log_imports", column="batch_id", value=batch_id)
    options = pl.DataFrame(
        {"batch_id": [batch_id], "open_cases_horizon_seconds": [open_cases_horizon]},
        schema={"batch_id": pl.String, "open_cases_horizon_seconds": pl.Int64},
    )
    wh.write_table("raw.log_imports", options, mode="append")
