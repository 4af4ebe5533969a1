"""Load delivered files into ``raw.*``: one batch per file, atomic, idempotent, nothing lost.

For every file: skip it when the same path with the same content was loaded before (manifest);
otherwise read it, check each row against the source contract, and in one transaction append the
valid rows to ``raw.<source>`` (re-delivered event ids flagged ``_is_duplicate``), every invalid
row to ``raw.rejects`` with its line, raw text and reason, and the batch's counts to
``raw.manifest``: rows_read = rows_accepted + rows_rejected + duplicates. A file of a folder or
glob that cannot be loaded is recorded as refused, and the others load (``load_or_refuse``).
"""

from __future__ import annotations

import glob
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.config import EVENT_SOURCES, SOURCES, Settings
from journeys.errors import GZIP_ERRORS, IngestError
from journeys.ingest import ga4
from journeys.ingest.columns import MISSING_FIX, Spec
from journeys.ingest.contracts import contract_for, detect_format, is_workbook, open_delivered
from journeys.ingest.encodings import check_header, is_wide, marked_encoding
from journeys.ingest.hashing import ContentHashes, file_hash
from journeys.ingest.landing import (
    TEMP_TABLES,
    Landing,
    ga4_without_events,
    read_frame,
    read_landing,
)
from journeys.ingest.logreading import check_day_month, check_layout
from journeys.ingest.raw import ensure_raw
from journeys.warehouse import Warehouse

if TYPE_CHECKING:
    import polars as pl

REFUSED = "refused: "
"""How ``raw.manifest.note`` starts for a file that was refused (its rows all 0)."""
ORDERED_APPEND_ROWS = 500_000
"""A file of at most this many rows (about four of DuckDB's row groups) is appended to raw in
its own order (``_append``)."""
KEYED_BY_EVENT_ID = EVENT_SOURCES
"""The sources whose duplicate key (``_key``) is their trimmed event_id: raw keeps it only where
it differs from the event_id (``ingest/append_events``, ``ingest/raw_keys_events``)."""

# Columns a real export may lack without losing the row's meaning: missing ones load as empty.
OPTIONAL_COLUMNS = {
    "customers": ("email", "phone", "segment", "created_at"),
    "transactions": ("order_id", "amount", "currency"),
    "web": ("anonymous_id", "user_id", "page_path", "referrer", "device", "order_id"),
    "support": ("email", "phone", "channel", "team", "system", "category"),
    "log": ("event_id", "channel", "team"),
}
ONLY_MAPPED = {"log": ("occurred_time",)}
"""Optional columns read only when a flag names them, never found by their own name (so none
is listed in OPTIONAL_COLUMNS too): the time of day joined to the timestamp column's date
(``import-log --time-col``)."""


@dataclass(frozen=True)
class BatchResult:
    """What one file's load did."""

    batch_id: str
    source: str
    file: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    late_events: int = 0
    skipped: bool = False
    refused: bool = False
    """The file could not be loaded (``note`` says why); the other files of the run load."""
    note: str = ""
    left_out: int = 0
    """An event log's rows of other lifecycle transitions, not loaded (``LogReading``)."""
    own_transitions: tuple[str, ...] = ()
    """An event log none of whose rows is complete: its transitions, the most rows first; every
    row kept and named by its transition (``check_landing``)."""
    reasons: tuple[tuple[str, int], ...] = ()
    """Why rows were rejected, most rows first (``with_reasons``; what ``summary`` names)."""

    @classmethod
    def already_loaded(cls, batch_id: str, source: str, file: Path) -> BatchResult:
        """A file skipped: ``batch_id`` loaded the same path with the same content before."""
        return cls(
            batch_id, source, str(file), skipped=True, note=f"already loaded in batch {batch_id}"
        )

    @property
    def every_row_rejected(self) -> bool:
        """Rows were read and every one was rejected: the file is read again next time."""
        return bool(self.rows_rejected) and not (
            self.rows_accepted or self.duplicates or self.skipped or self.refused
        )

    def summary(self) -> str:
        name = Path(self.file).name
        if self.skipped:
            return f"{self.source} {name}: skipped, {self.note}"
        if self.refused:
            return f"{self.source} {name}: refused, {self.note}"
        text = (
            f"{self.source} {name}: {self.rows_read} read, {self.rows_accepted} accepted, "
            f"{self.rows_rejected} rejected, {self.duplicates} duplicates, {self.late_events} late"
        )
        return text + (f" ({self.note})" if self.note else "") + rejected_text(self.reasons)

    def with_reasons(self, wh: Warehouse) -> BatchResult:
        """The batch with the reasons its rows were rejected for (from ``raw.rejects``)."""
        if not self.rows_rejected or self.skipped or self.refused:
            return self
        found = wh.rows("queries/reject_reasons", batch_id=self.batch_id)
        return replace(self, reasons=tuple((str(why), int(n)) for why, n in found))


def rejected_text(reasons: Sequence[tuple[str, int]]) -> str:
    """``; rejected: 2 × why; 1 × why``: the three commonest reasons, or an empty string."""
    if not reasons:
        return ""
    return "; rejected: " + "; ".join(f"{n} × {why}" for why, n in reasons[:3])


@dataclass(frozen=True)
class LeftOut:
    """What an event log's lifecycle filter left out: ``rows`` of other transitions than
    complete, or none of a log whose transitions are all its own (``own_transitions``)."""

    rows: int = 0
    own_transitions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogReading:
    """How an event log's rows are read beyond its columns (``import-log`` options): the
    timestamps' layout (``--date-format``; None: ISO-8601) and the lifecycle transition column
    (a JSON path into the row's other columns; None: no such column) with ``lifecycle``
    ``complete`` (rows of other transitions are left out, as in XES) or ``all`` (they are named
    ``Activity (start)``). ``standard``: the log is XES or OCEL, whose standard writes every
    timestamp in ISO-8601: a value that is not one is the exporting tool's error, and no
    ``--date-format`` (refused for them) is offered for it. A shop source's reading is its
    ``date_format`` setting alone (``source_reading``)."""

    date_format: str | None = None
    lifecycle_path: str | None = None
    lifecycle: str = "complete"
    standard: str | None = None

    def params(self) -> dict[str, str | None]:
        return {
            "date_format": self.date_format,
            "lifecycle_path": self.lifecycle_path,
            "lifecycle": self.lifecycle,
            "standard": self.standard,
        }


def source_reading(settings: Settings, source: str) -> LogReading:
    """How a shop source's timestamps are read: its layout (``sources.<name>.date_format``)."""
    return LogReading(date_format=settings.source(source).date_format)


def expand_paths(paths: Sequence[Path | str]) -> list[Path]:
    """Files named directly, files in folders (recursively), or glob matches, in delivery order."""
    found: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            found += sorted(
                (p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")),
                key=_delivery_order,
            )
        elif path.is_file():
            found.append(path)
        elif any(ch in str(entry) for ch in "*?["):
            matches = (Path(p) for p in glob.glob(str(entry), recursive=True))
            found += sorted((p for p in matches if p.is_file()), key=_delivery_order)
        else:
            raise IngestError(f"{entry}: no such file or folder; check the path")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _delivery_order(path: Path) -> tuple[int, str]:
    """Files directly in a folder load before those in its subfolders (later deliveries), then
    by path: name daily files by date (``2026-03-01.csv``) and they load in arrival order."""
    return (len(path.parts), str(path))


def load_source(
    wh: Warehouse, settings: Settings, source: str, paths: Sequence[Path | str]
) -> list[BatchResult]:
    """Load every file under ``paths`` as ``source``; one batch per file, in path order."""
    if source not in SOURCES:
        raise IngestError(f"'{source}' is not a source; use one of {', '.join(SOURCES)}")
    ensure_raw(wh)
    return [load_or_refuse(wh, settings, source, path) for path in expand_paths(paths)]


def load_landing(wh: Warehouse, settings: Settings) -> list[BatchResult]:
    """Load every configured source's files; customers first so stitching sees the CRM. (A
    partitioned run reads and checks them as jobs: ``ingest/jobs.py``; the batches are the
    same.)"""
    ensure_raw(wh)
    return [load_or_refuse(wh, settings, source, path) for source, path in landing_files(settings)]


def landing_files(settings: Settings) -> list[tuple[str, Path]]:
    """(source, file) of every configured source's files, in load order: customers first."""
    files: list[tuple[str, Path]] = []
    for source in SOURCES:
        configured = settings.sources.get(source)
        if configured is None or configured.path is None:
            continue
        if _has_matches(configured.path):
            files += [(source, path) for path in expand_paths([configured.path])]
    return files


def _has_matches(pattern: str) -> bool:
    path = Path(pattern)
    return path.exists() or bool(glob.glob(pattern, recursive=True))


def load_or_refuse(wh: Warehouse, settings: Settings, source: str, path: Path) -> BatchResult:
    """Load one file of a folder or glob. A file that cannot be loaded (not its format, columns
    missing, records the reader cannot count) is refused: recorded in ``raw.manifest`` (and so
    in ``marts.data_quality``) with the reason, once per content, and the other files load, so
    one bad delivery does not block every scheduled run. It is tried again on the next run (a
    fixed configuration may load it); a fixed file is new content."""
    try:
        return load_file(wh, settings, source, path)
    except IngestError as exc:
        reason = str(exc.args[0]).removeprefix(f"{path.resolve().name}: ")
        return _refuse(wh, source, path.resolve(), reason)


def _refuse(wh: Warehouse, source: str, path: Path, reason: str) -> BatchResult:
    content_hash = file_hash(path)
    note = f"{REFUSED}{reason}"
    lookup = {"file": str(path), "content_hash": content_hash, "note": note}
    earlier = wh.row("ingest/refusal_lookup", **lookup)
    if earlier is not None:
        return BatchResult(earlier[0], source, str(path), refused=True, note=reason)
    batch = _Batch.new(wh, source, path, content_hash)
    result = BatchResult(batch.batch_id, source, str(path), refused=True, note=reason)
    with wh.transaction():
        _record(wh, batch, replace(result, note=note))
    return result


@dataclass(frozen=True)
class _Batch:
    """Where one file's load is recorded: its batch, arrival number and time."""

    batch_id: str
    source: str
    path: Path
    content_hash: str
    file_seq: int
    loaded_at: datetime

    @classmethod
    def new(cls, wh: Warehouse, source: str, path: Path, content_hash: str) -> _Batch:
        now = datetime.now(UTC)
        batch_id = f"b_{now:%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:8]}"
        file_seq = int(wh.scalar("ingest/next_file_seq"))
        return cls(batch_id, source, path, content_hash, file_seq, now)


def load_file(
    wh: Warehouse,
    settings: Settings,
    source: str,
    path: Path,
    *,
    column_map: dict[str, str] | None = None,
    timezone: str | None = None,
    fmt: str | None = None,
    missing_fix: str | None = None,
    reading: LogReading | None = None,
    frame: pl.DataFrame | None = None,
) -> BatchResult:
    """Load one file as one batch (see the module docstring); a file that cannot be loaded
    raises ``IngestError`` and nothing of it is kept. ``reading``: how an event log's rows are
    read (``LogReading``). ``frame``: the rows of ``path`` as its parser read them (an XES or
    OCEL log: every column text), loaded as they are; the manifest, raw rows and rejects name
    ``path``, and its content decides whether it was loaded before."""
    path = path.resolve()
    if not path.is_file():
        raise IngestError(f"{path}: no such file; check the path")
    configured = settings.source(source)
    ensure_raw(wh)
    hashes = ContentHashes(wh, [path])  # a new path's hash is taken while it is read
    earlier = hashes.earlier_batch(path)
    if earlier is not None:
        return BatchResult.already_loaded(earlier, source, path)
    contract = source_spec(settings, source, column_map=column_map, missing=missing_fix)
    landing = read_delivered(wh, settings, source, path, contract, fmt=fmt, frame=frame)
    if landing is None:
        return record_empty(wh, _Batch.new(wh, source, path, hashes.of(path)))
    if reading is None and source != "log":
        reading = source_reading(settings, source)
    batch = _Batch.new(wh, source, path, hashes.of(path))
    with wh.transaction():
        result = _append(
            wh,
            batch,
            landing,
            tz=timezone or configured.timezone,
            reading=reading,
            decimal=configured.decimal,
        )
        _record(wh, batch, result)
    wh.drop_temp(*TEMP_TABLES)
    return result


def read_delivered(
    wh: Warehouse,
    settings: Settings,
    source: str,
    path: Path,
    contract: Spec,
    *,
    fmt: str | None = None,
    frame: pl.DataFrame | None = None,
) -> Landing | None:
    """Fill the landing tables from ``path`` (or the rows its parser read, ``frame``; a
    workbook's sheet); None for an empty delivery."""
    configured = settings.source(source)
    book = is_workbook(path, fmt or configured.format)
    if frame is None and book:
        frame = _sheet(path, source, configured.sheet)
    if frame is not None:
        # a sheet's rows are numbered as the spreadsheet shows them, below the column names
        return read_frame(wh, frame, name=path.name, spec=contract, first_line=1 + book)
    kind = landing_kind(settings, source, path, fmt=fmt)
    if kind is None or (kind == ga4.FORMAT and ga4_without_events(wh, path)):
        return None
    landing = read_landing(wh, path, fmt=kind, spec=contract, encoding=configured.encoding)
    if source == "log" and not landing.parse_rejects and not wh.count("landing_raw"):
        # a shop source's empty delivery is recorded (the next run skips it); an event log
        # without events is an export gone wrong, as an XES log without events is refused
        wh.drop_temp(*TEMP_TABLES)
        raise IngestError(
            f"{path.name}: the log holds its column names but no events, so there is "
            "nothing to build from; export it again with its rows. Nothing was loaded"
        )
    return landing


def _sheet(path: Path, source: str, sheet: str | None) -> pl.DataFrame:
    """A source's workbook: the rows of its sheet (``sources.<source>.sheet``, else the first),
    every cell as text (ingest/workbook.py)."""
    from journeys.ingest.workbook import read_sheet  # fastexcel: only for a workbook

    return read_sheet(path, sheet, flag=f"sources.{source}.sheet", rows_needed=False).events


def landing_kind(
    settings: Settings, source: str, path: Path, *, fmt: str | None = None
) -> str | None:
    """The file's format (csv, jsonl, parquet); None for an empty delivery. A file that is
    plainly not text where text is expected raises ``IngestError``."""
    configured = settings.source(source)
    kind = detect_format(path, fmt or configured.format) if path.stat().st_size else None
    written = ga4.file_kind(path) if kind == ga4.FORMAT else kind  # GA4: JSON lines or Parquet
    if written is None or (
        written in ("csv", "jsonl") and is_blank_text(path, configured.encoding)
    ):
        return None
    sniff_text(path, written, configured.encoding)
    return kind


def source_spec(
    settings: Settings,
    source: str,
    *,
    column_map: dict[str, str] | None = None,
    missing: str | None = None,
) -> Spec:
    """The source's column contract: its columns, and the delivered names they are read from."""
    configured = settings.source(source)
    return Spec(
        source=source,
        columns=contract_for(source).columns,
        column_map=column_map if column_map is not None else dict(configured.column_map),
        defaults=ga4.COLUMNS if configured.format == ga4.FORMAT else {},
        milestones=tuple(configured.milestones.items()),
        optional=OPTIONAL_COLUMNS.get(source, ()),
        only_mapped=ONLY_MAPPED.get(source, ()),
        missing_fix=missing or MISSING_FIX,
    )


def record_empty(wh: Warehouse, batch: _Batch) -> BatchResult:
    result = BatchResult(
        batch.batch_id, batch.source, str(batch.path), note="empty file, nothing to load"
    )
    _record(wh, batch, result)
    return result


def _append(
    wh: Warehouse,
    batch: _Batch,
    landing: Landing,
    *,
    tz: str,
    checked: bool = False,
    reading: LogReading | None = None,
    decimal: str = ".",
) -> BatchResult:
    """Check and mark the file's rows, append the valid ones to ``raw.<source>`` and keep the
    others in ``raw.rejects``; return the batch's counts. ``checked``: a job checked the rows
    already (the temp relations ``landing_checked`` and ``landing_reject_text`` hold them)."""
    source, file = batch.source, str(batch.path)
    _view_raw_keys(wh, source)
    watermark = wh.scalar("ingest/watermark") if contract_for(source).is_event_source else None
    left_out = LeftOut()
    if not checked:
        left_out = check_landing(wh, source, landing, tz=tz, reading=reading, decimal=decimal)
    if reading is not None and reading.date_format is not None:
        check_day_month(wh, reading.date_format, file, setting=_layout_setting(source))
    # The marks are a view: the rows are checked once (landing_checked), and the few keys
    # delivered twice are looked up (landing_dups), not every row copied once more.
    wh.materialize_temp(
        "landing_batch",
        "ingest/landing_batch",
        file_seq=batch.file_seq,
        batch_id=batch.batch_id,
        file=file,
        loaded_at=batch.loaded_at,
        watermark=watermark,
    )
    hits = wh.materialize_temp("landing_key_hits", "ingest/landing_key_hits")
    wh.materialize_temp("landing_dups", "ingest/landing_dups", any_earlier=hits > 0)
    wh.view_temp("landing_marked", "ingest/mark_landing")
    counts = wh.record("ingest/batch_counts")
    _append_valid(wh, source, rows=counts["parsed"])
    params = {"batch_id": batch.batch_id, "source": source, "file": file}
    if counts["invalid"]:
        if not checked:
            wh.materialize_temp("landing_reject_text", landing.text_model)
        wh.execute("ingest/insert_rejects", **params)
    if landing.parse_rejects:
        wh.execute("ingest/insert_parse_rejects", **params)
    rejected = counts["invalid"] + landing.parse_rejects
    return BatchResult(
        batch.batch_id,
        source,
        file,
        rows_read=counts["parsed"] + landing.parse_rejects,
        rows_accepted=counts["parsed"] - counts["invalid"] - counts["duplicates"],
        rows_rejected=rejected,
        duplicates=counts["duplicates"],
        late_events=counts["late_events"],
        note=_batch_note(wh, landing, rejected),
        left_out=left_out.rows,
        own_transitions=left_out.own_transitions,
    )


def _view_raw_keys(wh: Warehouse, source: str) -> None:
    """``raw_keys``: the keys of ``raw.<source>``'s rows, which duplicates are found against
    (``ingest/landing_dups``, ``ingest/watermark``)."""
    if source == "log":  # raw.log keeps its key once, as event_id
        wh.view_temp("raw_keys", "ingest/raw_keys_log")
    elif source in KEYED_BY_EVENT_ID:  # the key kept only where it is not the event_id
        wh.create_temp_view("raw_source", f"raw.{source}")
        wh.view_temp("raw_keys", "ingest/raw_keys_events")
    else:
        wh.create_temp_view("raw_keys", f"raw.{source}")


def _batch_note(wh: Warehouse, landing: Landing, rejected: int) -> str:
    """The rows kept in raw.rejects, and, for a row per ticket or order (ingest/milestones.sql:
    ``read`` counts events), how many rows they came from."""
    notes = [f"{rejected} row(s) kept in raw.rejects"] if rejected else []
    if "landing_rows" in landing.std:
        rows = int(wh.scalar("ingest/milestone_rows")) + landing.parse_rejects
        notes.insert(0, f"{rows} row(s), an event per filled milestone")
    return "; ".join(notes)


def _layout_setting(source: str) -> str:
    """How the layout of ``source``'s timestamps is given: import-log's flag, a source's setting."""
    return "--date-format" if source == "log" else f"sources.{source}.date_format"


def _append_valid(wh: Warehouse, source: str, *, rows: int) -> None:
    """Append the file's valid rows (``landing_marked``) to ``raw.<source>``; the event
    sources keyed by their event_id keep the key only where it differs from it
    (``ingest/append_events``). A file of a few row groups (``ORDERED_APPEND_ROWS``) is appended
    in its own order: appended in parallel, its rows left part-filled row groups at the threads'
    seams, which the next checkpoint rewrote to merge them (0.12 s of a 250,000-row log, in most
    runs; the sort costs 0.03 s). A larger file's seams are a small part of it, and its sort
    would not be."""
    appended = "landing_marked"
    if source in KEYED_BY_EVENT_ID:
        wh.view_temp("landing_appended", "ingest/append_events")
        appended = "landing_appended"
    wh.insert_select(
        f"raw.{source}",
        appended,
        columns=wh.columns(f"raw.{source}"),
        where="_valid",
        order_by="_row_number" if rows <= ORDERED_APPEND_ROWS else None,
    )


TS_REASON_PENDING = "\x00the timestamp did not parse"
"""What ``validate_<source>`` puts in a row's ``_reason`` where its timestamp did not parse;
``TS_REASONS`` writes the full reason there, and only where a row holds this."""
TS_REASONS = {"customers": "ingest/validate_customers_ts", "log": "ingest/validate_log_ts"}
"""The statement that writes a source's full timestamp reasons (the event sources:
``ingest/validate_events_ts``)."""


def check_landing(
    wh: Warehouse,
    source: str,
    landing: Landing,
    *,
    tz: str,
    reading: LogReading | None = None,
    decimal: str = ".",
) -> LeftOut:
    """``landing_checked``: every record of ``landing_raw`` with its contract columns, typed,
    and the first contract violation in ``_reason`` (``validate_<source>``): reading the values,
    numbering and checking them run as one statement, and a timestamp that did not parse gets
    its full reason from a second one (``TS_REASONS``), run only when such a row exists. An
    event log's timestamps may have a layout and lifecycle transitions of their own
    (``reading``): returns what ``complete`` left out. A log none of whose rows is complete has
    a lifecycle of its own: its rows are checked again as ``all`` names them, every one kept
    (as ``xes.read_xes`` keeps such a log's)."""
    reading = reading or LogReading()
    if source != "log" and reading.date_format is not None:  # (import-log checks its flag)
        check_layout(wh, reading.date_format, _layout_setting(source))

    def check(lifecycle: str) -> None:
        if source == "log":
            layout = {**reading.params(), "lifecycle": lifecycle}
        else:  # a shop source's timestamps: its date_format setting
            layout = {"date_format": reading.date_format}
        wh.materialize_temp(
            "landing_checked",
            f"ingest/validate_{source}",
            inputs=landing.std,
            tz=tz,
            decimal=decimal,
            ts_reason_pending=TS_REASON_PENDING,
            **layout,
            **landing.params,
        )
        # the full reason of a timestamp that did not parse, only for a file that has one: its
        # macros cost more to bind (14 ms) than the rest of a small file's check
        if wh.record("ingest/ts_reason_pending", ts_reason_pending=TS_REASON_PENDING)["pending"]:
            wh.execute(
                TS_REASONS.get(source, "ingest/validate_events_ts"),
                ts_reason_pending=TS_REASON_PENDING,
                source=source,
                **layout,
            )

    check(reading.lifecycle)
    if source != "log" or reading.lifecycle_path is None or reading.lifecycle != "complete":
        return LeftOut()
    counts = wh.record("ingest/log_left_out")
    left_out = int(counts["left_out"])
    if left_out and not counts["complete"]:
        own = wh.rows("ingest/log_transitions", lifecycle_path=reading.lifecycle_path)
        check("all")
        return LeftOut(own_transitions=tuple(str(t) for (t,) in own))
    if left_out:
        wh.execute("ingest/drop_left_out")
    return LeftOut(rows=left_out)


def is_blank_text(path: Path, encoding: str) -> bool:
    """True when a text file holds nothing but white space and a byte-order mark once
    decompressed (an empty ``.csv.gz``, a file of blank lines): it is an empty delivery."""
    try:
        with open_delivered(path) as handle:
            head = handle.read(4096)
        text = head.decode(encoding, errors="replace")
    except (*GZIP_ERRORS, LookupError):
        return False  # sniff_text or the reader names the problem
    return len(head) < 4096 and not text.replace("\ufeff", "").strip()


def sniff_text(path: Path, kind: str, encoding: str) -> None:
    """Refuse a text source whose first bytes are plainly not text (Parquet, gzip, binary)."""
    if kind not in ("csv", "jsonl"):
        return
    try:
        with open_delivered(path) as handle:
            head = handle.read(8192)
    except GZIP_ERRORS as exc:  # a damaged gzip stream too
        raise IngestError(
            f"{path.name}: not a readable {kind} file ({exc}); check the file is complete. "
            "Nothing was loaded from it"
        ) from exc
    encoding = marked_encoding(head, encoding)
    if is_wide(encoding):  # two or four bytes a character: NUL bytes are its text
        return
    if head.startswith(b"PAR1"):
        what = "a Parquet file"
    elif head.startswith((b"\x1f\x8b", b"PK\x03\x04")) or _nul_riddled(head):
        what = "binary data"  # compressed, or NUL-riddled
    else:
        if kind == "csv":
            check_header(path, head, encoding)
        return
    raise IngestError(
        f"{path.name}: not a readable {kind} file (it holds {what}); deliver {kind} text or set "
        "the source's format. Nothing was loaded from it"
    )


STRAY_NULS = 8
"""NUL bytes a text file's head may hold as data (a field an export wrote them into): a
short file's few stray NULs are more than 1 % of it, a binary or a two-byte-wide text file
holds them by the dozen."""


def _nul_riddled(head: bytes) -> bool:
    nuls = head.count(b"\x00")
    return nuls > STRAY_NULS and nuls * 100 > len(head)


def _record(wh: Warehouse, batch: _Batch, result: BatchResult) -> None:
    wh.execute(
        "ingest/insert_manifest",
        batch_id=batch.batch_id,
        source=batch.source,
        file=str(batch.path),
        content_hash=batch.content_hash,
        file_seq=batch.file_seq,
        loaded_at=batch.loaded_at,
        rows_read=result.rows_read,
        rows_accepted=result.rows_accepted,
        rows_rejected=result.rows_rejected,
        duplicates=result.duplicates,
        late_events=result.late_events,
        note=result.note or None,
    )
    if (result.note or "").startswith(REFUSED):
        return
    # an earlier read of the file that accepted nothing is this one's now
    keys = {"batch_id": batch.batch_id, "file": str(batch.path), "content_hash": batch.content_hash}
    wh.execute("ingest/superseded_rejects", **keys)
    wh.execute("ingest/supersede_batches", **keys)
