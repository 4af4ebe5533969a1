"""``journeys import-log``: any event log (CSV, Parquet, JSONL, XES, XES.gz, OCEL 2.0) as journeys.

Each case becomes one journey as is: its events keep their case id, which the path builder
uses as the journey. The case id is a value: ``NA``, ``null`` and ``""`` are case ids, not
missing values. Events with equal timestamps keep their order in the file (``seq``).

XES needs no column flags (its standard keys name the case, activity and timestamp); OCEL is
flattened on ``object_type``; CSV, Parquet and JSONL name their columns, unless they are the XES
keys (a log pm4py wrote as a table, read as its XES file is, org:group the team), and a missing
flag is answered with the columns that look like one. XES and OCEL logs are read into a frame, which
DuckDB loads where it is: the manifest records the delivered file, so it is recognised when it
comes again. Events are keyed by the log's ids (``event_id_col``) or by their content, never by
their line, so re-importing a log in any order changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import polars as pl

from journeys.config import Settings, time_zone
from journeys.errors import IngestError
from journeys.ingest import workbook, xes
from journeys.ingest.contracts import (
    WORKBOOKS,
    detect_format,
    opens_json_array,
    read_head,
    unpacked_suffixes,
)
from journeys.ingest.encodings import check_header, marked_encoding, utf8_lines
from journeys.ingest.hashing import earlier_batch
from journeys.ingest.load import BatchResult, LogReading, load_file, rejected_text
from journeys.ingest.logguess import (
    STANDARD_KEYS,
    likely_columns,
    standard_columns,
    team_candidate,
)
from journeys.ingest.logreading import (
    TABLE_FORMATS,
    check_date_format,
    check_lifecycle_col,
    clock_change_note,
    date_layout,
    lifecycle_path,
    require_format,
    with_encoding,
)
from journeys.ingest.raw import ensure_raw
from journeys.warehouse import Warehouse
from journeys.words import in_number, listed, numbered

FORMATS = ("csv", "parquet", "jsonl", "excel", "xes", "ocel")
COLUMN_FLAGS = {
    "case_id": "--case-col",
    "activity": "--activity-col",
    "occurred_at": "--timestamp-col",
    "channel": "--channel-col",
    "team": "--team-col",
    "event_id": "--event-id-col",
    "occurred_time": "--time-col",
}
"""The flag that names each contract column of raw.log."""
ROLE_COLUMNS = {"case": "case_id", "activity": "activity", "timestamp": "occurred_at"}
"""The contract column of each role a log must name (``columns``' keys)."""
FLAGS = {role: COLUMN_FLAGS[column] for role, column in ROLE_COLUMNS.items()}
"""The flag of each required role: ``--case-col``, ``--activity-col``, ``--timestamp-col``."""


@dataclass(frozen=True)
class Flattening:
    """What flattening an OCEL log on ``object_type`` left in no case."""

    object_type: str
    events: int
    """The log's events."""
    unrelated: int
    """Events related to no object of the type (the standard flattening leaves them out)."""
    unknown_objects: int
    """Relationships naming an object the log's objects do not list."""

    def note(self) -> str:
        """``; 2 of the log's 5 events relate to no order …``, or an empty string."""
        text = ""
        if self.unrelated:
            text += (
                f"; {self.unrelated} of the log's {self.events} events relate to no "
                f"{self.object_type} and are in no case (each {self.object_type} is a case; "
                "--object-type flattens the log on another type)"
            )
        if self.unknown_objects:
            text += (
                f"; {self.unknown_objects} relationship(s) name an object that the log's objects "
                "do not list (no type): left out; export the log again with its objects"
            )
        return text


@dataclass(frozen=True)
class ImportResult:
    batch: BatchResult
    cases: int
    activities: int
    left_out: int = 0
    """Events of other lifecycle transitions that ``--lifecycle complete`` left out (XES)."""
    own_transitions: tuple[str, ...] = ()
    """No event is complete: the log's own transitions, the most events first; every event was
    kept and named by its transition, as ``--lifecycle all`` names them."""
    flattening: Flattening | None = None
    """An OCEL log's flattening: its object type and the events and relationships in no case."""
    contact_cases: int = 0
    """Case ids that are emails or phone numbers: the marts show keyed hashes of them."""
    personal_case_ids: bool = False
    naive_timestamps: int = 0
    """Timestamps without an offset, read in ``timezone``."""
    timezone: str | None = None
    reasons: tuple[tuple[str, int], ...] = ()
    """Why rows were rejected, most rows first (raw.rejects of the batch)."""
    clock_changes: tuple[int, int] = (0, 0)
    """Naive local times in ``timezone``'s hours when the clocks went back (two instants: the
    later was taken) and when they skipped forward (none: read an hour later)."""
    doubts: tuple[str, ...] = ()
    """Named columns that look like other ones (``column_doubts``)."""
    sheet_note: str = ""
    """A workbook of several sheets: which one was read (``workbook.Sheet.note``)."""
    standard_keys: tuple[str, ...] = ()
    """A table's columns named with XES keys taken for the roles no flag named
    (``logguess.standard_columns``)."""
    team: str | None = None
    """The column whose changes inside a case are handoffs (``--team-col``; XES: org:group)."""
    team_candidate: str | None = None
    """With no team column chosen, a column named like who handled each event (an XES log's
    org:resource, a CSV's ``Resource``): kept as an attribute, offered for ``--team-col``."""

    @property
    def nothing_accepted(self) -> bool:
        """Rows were read and every one was rejected: nothing of the log to build from."""
        return self.batch.every_row_rejected

    def _lifecycle_note(self) -> str:
        """What the lifecycle filter left out, or why it kept every event."""
        if self.left_out:
            return (
                f"; {numbered(self.left_out, 'event')} of other lifecycle transitions left out "
                "(--lifecycle all keeps them)"
            )
        if not self.own_transitions:
            return ""
        shown = ", ".join(repr(t) for t in self.own_transitions[:4])
        more = len(self.own_transitions) - 4
        return (
            f"; no event's lifecycle transition is 'complete' (the log's own: {shown}"
            + (f" and {more} more" if more > 0 else "")
            + "), so every event is kept, named 'Activity (transition)' as --lifecycle all "
            "names them"
        )

    def summary(self) -> str:
        if self.batch.skipped:
            return self.batch.summary()
        cases = numbered(self.cases, "case")
        activities = numbered(self.activities, "activity", "activities")
        text = f"{self.batch.summary()}; {cases}, {activities}"
        if self.reasons:
            text += rejected_text(self.reasons)
            layout = date_layout(self.reasons) if not self.batch.rows_accepted else None
            if any("INVALID ENCODING" in why for why, _ in self.reasons):
                text += (
                    ". The file is not UTF-8: import it again with its encoding, e.g. "
                    "--encoding cp1252 (Windows exports) or --encoding latin-1"
                )
            if layout is not None:
                order, date_format = layout
                text += (
                    f". The timestamps are written {order}: import the file again with "
                    f"--date-format {date_format}"
                )
        text += self._lifecycle_note()
        if self.flattening is not None:
            text += self.flattening.note()
        if self.personal_case_ids:
            text += "; every case id is personal: the marts show keyed hashes of them"
        elif self.contact_cases:
            text += (
                f"; {self.contact_cases} case ids are emails or phone numbers: the marts show "
                "keyed hashes of them"
                if self.contact_cases != 1
                else "; 1 case id is an email or a phone number: the marts show a keyed hash of it"
            )
        text += clock_change_note(self.timezone, *self.clock_changes)
        text += self.sheet_note
        text += "".join(f"; {doubt}" for doubt in self.doubts)
        if self.standard_keys:
            text += (
                f"; {listed(self.standard_keys)} read as the XES keys they are (pm4py writes a "
                "log's columns so), no flag needed"
            )
        if self.team is not None:
            text += f"; teams from {self.team}: a change of it inside a case is a handoff"
        elif self.team_candidate is not None and self.batch.rows_accepted:
            text += (
                f"; {self.team_candidate} is kept as an attribute: --team-col "
                f"{_quoted(self.team_candidate)} counts a change of it inside a case as a "
                "handoff (the reports then show its values)"
            )
        if self.naive_timestamps and self.timezone is None:
            text += (
                f"; {numbered(self.naive_timestamps, 'timestamp')} "
                f"{in_number(self.naive_timestamps, 'has', 'have')} no offset and "
                f"{in_number(self.naive_timestamps, 'was', 'were')} read as UTC "
                "(pass --timezone, e.g. Europe/Amsterdam, if they are local times)"
            )
        return text


def column_doubts(
    wh: Warehouse, counts: dict[str, Any], *, events: int, named: tuple[str | None, str | None]
) -> tuple[str, ...]:
    """Notes on named columns that look like other ones: every case one event (an event's id
    named as the case), or about as many activities as events (an id or a free text named as
    the activity); the journeys would be one step each, or each its own variant. Judged over
    the whole imported log (``queries/log_totals``), looked up only when the batch's own
    ``counts`` look so: a live extract's batch may hold one new event of each case."""
    if events < 2 or not any(_doubted(events, counts["cases"], counts["activities"])):
        return ()
    totals = wh.record("queries/log_totals")
    case_doubt, activity_doubt = _doubted(totals["events"], totals["cases"], totals["activities"])
    doubts = []
    if case_doubt:
        doubts.append(
            f"every case holds one event: does --case-col {named[0]} name the case (a ticket, "
            "an order), not each event?"
        )
    if activity_doubt:
        doubts.append(
            f"{totals['activities']} activities for {totals['events']} events: does "
            f"--activity-col {named[1]} name the activity, not an id or a free text?"
        )
    return tuple(doubts)


def _doubted(events: int, cases: int, activities: int) -> tuple[bool, bool]:
    """(every case one event, about as many activities as events): ``column_doubts``' rules,
    for a batch and for the whole log alike."""
    return cases == events, events >= 20 and activities * 2 > events


def log_format(path: Path, declared: str | None = None) -> str:
    """csv, parquet, jsonl, xes or ocel: the declared format, else from the name and, for
    ``.json``, ``.xml`` and ``.sqlite``, the content (an OCEL log or JSON lines)."""
    if declared:
        if declared not in FORMATS:
            raise IngestError(f"--format {declared}: use one of {', '.join(FORMATS)}")
        return declared
    suffixes = unpacked_suffixes(path)
    last = suffixes[-1] if suffixes else ""
    if last in (".xes",):
        return "xes"
    if last in WORKBOOKS:
        return "excel"
    if last in (".sqlite", ".sqlite3", ".db", ".xml", ".jsonocel", ".xmlocel", ".json"):
        from journeys.ingest import ocel  # sqlite3 and the OCEL readers: only for these

        if ocel.ocel_kind(path) is not None:
            return "ocel"
        if last != ".json":
            raise IngestError(
                f"{path.name}: not an OCEL log (OCEL 2.0 JSON, XML or SQLite, or OCEL 1.0 JSON or "
                "XML); export it as OCEL 2.0, or as XES, CSV or Parquet. Nothing was loaded from it"
            )
    return detect_format(path, fix=f"pass --format ({', '.join(FORMATS)})")


class LogOptions(TypedDict, total=False):
    """The options of ``journeys import-log`` (``import_log``'s keywords), as the CLI and
    ``steps.import_event_log`` pass them on."""

    case_col: str | None
    activity_col: str | None
    timestamp_col: str | None
    channel_col: str | None
    team_col: str | None
    event_id_col: str | None
    time_col: str | None
    fmt: str | None
    timezone: str | None
    date_format: str | None
    encoding: str | None
    lifecycle: str
    lifecycle_col: str | None
    object_type: str | None
    sheet: str | None
    personal_case_ids: bool
    open_cases_horizon: int | None


# long: its signature lists every import-log option (14 lines); the body reads one file
def import_log(
    wh: Warehouse,
    settings: Settings,
    path: Path,
    *,
    case_col: str | None = None,
    activity_col: str | None = None,
    timestamp_col: str | None = None,
    channel_col: str | None = None,
    team_col: str | None = None,
    event_id_col: str | None = None,
    time_col: str | None = None,
    fmt: str | None = None,
    timezone: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    lifecycle: str = "complete",
    lifecycle_col: str | None = None,
    object_type: str | None = None,
    sheet: str | None = None,
    personal_case_ids: bool = False,
    open_cases_horizon: int | None = None,
    command: str = "import-log",
) -> ImportResult:
    """Load one event log file as a batch of source ``log``; see the module docstring.

    The log is historical (every case completed) unless ``open_cases_horizon`` (seconds) says
    the extract is live: then a case whose last event is that recent may still be in flight.
    Recorded per batch in ``raw.log_imports``. ``command``: the ``journeys`` command a missing
    column flag's message tells the user to run again (``analyze`` passes its own name)."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file; check the path")
    kind = log_format(path, fmt)
    if timezone is not None:
        try:
            time_zone(timezone)
        except ValueError as exc:  # DuckDB's own word for it: "Not implemented Error"
            raise IngestError(f"--timezone {exc}. Nothing was loaded") from None
    ensure_raw(wh)
    if date_format is not None:
        check_date_format(wh, date_format, kind)
    if encoding is not None:
        settings = with_encoding(settings, encoding, kind, path)
    if lifecycle_col is not None:
        check_lifecycle_col(kind)
    if sheet is not None:
        require_format("--sheet", kind, ("excel",), "only a workbook has sheets")
    if time_col is not None:
        why = f"{kind.upper()} writes the date and the time in one ISO-8601 timestamp"
        require_format("--time-col", kind, TABLE_FORMATS, why)
    columns = {"case": case_col, "activity": activity_col, "timestamp": timestamp_col}
    reading = None
    standard: dict[str, str] = {}  # a table's XES-named columns no flag named
    book: workbook.Sheet | None = None
    if kind in ("xes", "ocel"):
        if kind == "ocel" and object_type is not None:
            _one_object_type(wh, path, object_type)
        earlier = _earlier_batch(wh, path)
        if earlier is not None:  # recognised before reading it again
            return ImportResult(batch=earlier, cases=0, activities=0)
        batch, (left_out, own), flattening, (team_col, candidate) = _load_converted(
            wh,
            settings,
            path,
            kind,
            columns,
            channel_col=channel_col,
            team_col=team_col,
            event_id_col=event_id_col,
            timezone=timezone,
            lifecycle=lifecycle,
            object_type=object_type,
        )
    else:
        book = workbook.read_sheet(path, sheet) if kind == "excel" else None
        names = book.events.columns if book else header(path, kind, settings)
        standard = standard_columns(columns, names)
        columns = {**columns, **standard}
        with workbook.sheet_named(book):
            _require_columns(path, columns, names, command=command, team_col=team_col)
            if team_col is None and columns["case"] == xes.CASE and xes.GROUP in names:
                team_col = xes.GROUP  # an XES log as a table: its org:group, as in the XES file
            column_map = _column_map(columns, channel_col, team_col, event_id_col, time_col)
            taken = (*columns.values(), channel_col, event_id_col, time_col)
            candidate = None if team_col else team_candidate(names, taken)
            reading = LogReading(
                date_format=date_format,
                lifecycle_path=lifecycle_path(path, names, lifecycle_col),
                lifecycle=lifecycle,
            )
            frame = book.events if book else None
            batch = _load(
                wh, settings, path, column_map, kind, timezone, reading=reading, frame=frame
            )
        left_out, own, flattening = batch.left_out, batch.own_transitions, None
    if batch.skipped:
        return ImportResult(batch=batch, cases=0, activities=0)
    wh.execute(
        "queries/record_log_import",
        batch_id=batch.batch_id,
        file=batch.file,
        format=kind,
        lifecycle=("all" if own else lifecycle)
        if kind == "xes" or (reading and reading.lifecycle_path)
        else None,
        object_type=object_type if kind == "ocel" else None,
        timezone=timezone,
        date_format=date_format,
        encoding=settings.source("log").encoding if kind in ("csv", "jsonl") else None,
        personal_case_ids=personal_case_ids,
        left_out=left_out,
        open_cases_horizon_seconds=open_cases_horizon,
    )
    counts = wh.record(
        "queries/log_counts", batch_id=batch.batch_id, tz=timezone, date_format=date_format
    )
    return ImportResult(
        batch=batch,
        cases=counts["cases"],
        activities=counts["activities"],
        left_out=left_out,
        own_transitions=own,
        flattening=flattening,
        contact_cases=counts["contact_cases"],
        personal_case_ids=personal_case_ids,
        naive_timestamps=counts["naive_timestamps"],
        timezone=timezone,
        clock_changes=(counts["fall_back_timestamps"], counts["skipped_hour_timestamps"]),
        reasons=batch.with_reasons(wh).reasons,
        doubts=()
        if kind in ("xes", "ocel")
        else column_doubts(wh, counts, events=batch.rows_accepted, named=(case_col, activity_col)),
        team=team_col,
        team_candidate=candidate,
        standard_keys=tuple(standard.values()),
        sheet_note=book.note() if book else "",
    )


def _one_object_type(wh: Warehouse, path: Path, object_type: str) -> None:
    """An OCEL log flattened on another object type than the warehouse's OCEL imports is
    refused: its cases would be other objects (items beside orders), journeys of two kinds
    mixed in every mart and map. An unknown type is named with the log's types first."""
    other = wh.row("queries/log_object_type", object_type=object_type)
    if other is None:
        return
    from journeys.ingest import ocel

    ocel.read_ocel(path, object_type=object_type)  # an unknown type: the log's types
    loaded_as, file, batch_id = other
    folder = f"{path.name.split('.')[0]}-{object_type}".replace(" ", "-")
    raise IngestError(
        f"{path.name}: this warehouse holds OCEL journeys of object type '{loaded_as}' "
        f"({Path(file).name}, batch {batch_id}); flattened on '{object_type}' the cases are "
        "other objects, whose journeys would mix with those in every mart and map. Import it "
        f"into a warehouse of its own: `journeys --warehouse {folder}/journeys.duckdb "
        f"import-log {path.name} --object-type {object_type}`. Nothing was loaded"
    )


def _earlier_batch(wh: Warehouse, path: Path) -> BatchResult | None:
    """The batch that already loaded this XES/OCEL file (same path and content), if any: a
    path never loaded is not hashed here (``load_file`` hashes it while the log is read)."""
    delivered = path.resolve()
    earlier = earlier_batch(wh, delivered)
    return None if earlier is None else BatchResult.already_loaded(earlier, "log", delivered)


def _load_converted(
    wh: Warehouse,
    settings: Settings,
    path: Path,
    kind: str,
    columns: dict[str, str | None],
    *,
    channel_col: str | None,
    team_col: str | None,
    event_id_col: str | None,
    timezone: str | None,
    lifecycle: str,
    object_type: str | None,
) -> tuple[
    BatchResult, tuple[int, tuple[str, ...]], Flattening | None, tuple[str | None, str | None]
]:
    """Read an XES or OCEL file into a frame and load the frame as the file's rows (no file is
    written in between); return the batch, how many events the lifecycle filter left out (and
    the log's own transitions when none is complete: ``xes.XesLog``), what
    an OCEL log's flattening left in no case, the team column (an XES log's org:group when none
    is named) and, without one, the column that looks like it (``team_candidate``)."""
    flattening = None
    if kind == "xes":
        log = xes.read_xes(path, lifecycle=lifecycle)
        frame, left_out, own = log.events, log.left_out, log.own_transitions
        defaults = STANDARD_KEYS  # the XES keys, as a table named with them reads too
    else:
        from journeys.ingest import ocel

        flat = ocel.read_ocel(path, object_type=object_type)
        frame, left_out, own = flat.events, 0, ()
        flattening = Flattening(
            object_type=str(object_type),
            events=flat.log_events,
            unrelated=flat.unrelated,
            unknown_objects=flat.unknown_objects,
        )
        defaults = {"case": ocel.CASE, "activity": ocel.ACTIVITY, "timestamp": ocel.TIMESTAMP}
    given = {k for k, v in columns.items() if v}
    columns = {k: v or defaults[k] for k, v in columns.items()}
    if kind == "xes":
        _require_xes_keys(path, frame, columns, given)
    if kind == "xes" and team_col is None and xes.GROUP in frame.columns:
        team_col = xes.GROUP
    taken = (*columns.values(), channel_col, event_id_col)
    candidate = None if team_col else team_candidate(frame.columns, taken)
    column_map = _column_map(columns, channel_col, team_col, event_id_col)
    reading = LogReading(standard=kind.upper())  # its timestamps are ISO-8601 by the standard
    batch = _load(wh, settings, path, column_map, kind, timezone, reading=reading, frame=frame)
    return batch, (left_out, own), flattening, (team_col, candidate)


XES_KEY_ROLES = {
    "case": "traces have no concept:name (the case id)",
    "activity": "events have no concept:name (the activity)",
    "timestamp": "events have no time:timestamp",
}


def _require_xes_keys(
    path: Path, frame: pl.DataFrame, columns: dict[str, str | None], given: set[str]
) -> None:
    """Refuse an XES log without a standard key its journeys need, saying which (a synthetic
    log of pm4py's tests has no timestamps, another no trace names): the table formats' "pass
    the file's column names" is no fix for a file that names its keys itself."""
    lacking = [r for r in XES_KEY_ROLES if r not in given and columns[r] not in frame.columns]
    if not lacking:
        return
    keys = ", ".join(frame.columns[:12]) + (" …" if len(frame.columns) > 12 else "")
    raise IngestError(
        f"{path.name}: the XES log's {' and its '.join(XES_KEY_ROLES[r] for r in lacking)} "
        f"(its keys: {keys}); journeys orders each case's events by their times and measures "
        "the waits between them, so it needs a case, an activity and a time for every event. "
        "Export the log with them, or name the keys that hold them with "
        + listed([FLAGS[r] for r in lacking])
        + ". Nothing was loaded"
    )


def _column_map(
    columns: dict[str, str | None],
    channel_col: str | None,
    team_col: str | None,
    event_id_col: str | None,
    time_col: str | None = None,
) -> dict[str, str]:
    column_map = {column: str(columns[role]) for role, column in ROLE_COLUMNS.items()}
    named = {
        "channel": channel_col,
        "team": team_col,
        "event_id": event_id_col,
        "occurred_time": time_col,
    }
    return column_map | {column: flag for column, flag in named.items() if flag}


def _load(
    wh: Warehouse,
    settings: Settings,
    path: Path,
    column_map: dict[str, str],
    kind: str,
    timezone: str | None,
    *,
    reading: LogReading | None = None,
    frame: pl.DataFrame | None = None,
) -> BatchResult:
    named = [COLUMN_FLAGS[column] for column in COLUMN_FLAGS if column in column_map]
    fix = f"pass the file's column names with {listed(named)}"
    return load_file(
        wh,
        settings,
        "log",
        path,
        column_map=column_map,
        fmt=kind,
        missing_fix=fix,
        timezone=timezone,
        reading=reading,
        frame=frame,
    )


def _require_columns(
    path: Path,
    columns: dict[str, str | None],
    names: list[str],
    *,
    command: str = "import-log",
    team_col: str | None = None,
) -> None:
    """A missing column flag stops the import with the columns that look like that column, and
    the ``journeys COMMAND`` to run with them (and a column that looks like the team, offered
    apart: a person's name reaches the reports only when the user names it)."""
    missing = [role for role, value in columns.items() if not value]
    if not missing:
        return
    given = {value for value in columns.values() if value}
    parts: list[str] = []
    best: dict[str, str] = {}
    for role in missing:
        guesses = likely_columns(role, names)
        hint = ", ".join(f"'{n}'" for n in guesses[:4]) if guesses else "none by its name"
        article = "an" if role[0] in "aeiou" else "a"
        parts.append(f"{FLAGS[role]} is missing (columns that look like {article} {role}: {hint})")
        free = [n for n in guesses if n not in given and n not in best.values()]
        best[role] = free[0] if free else "NAME"
    named = [n for n in names if n.strip()]  # a trailing delimiter names an empty column
    shown = ", ".join(named[:15]) + (" …" if len(named) > 15 else "")
    flags = " ".join(f"{FLAGS[r]} {_quoted(best[r])}" for r in missing)
    team = None if team_col else team_candidate(names, {*given, *best.values()})
    optional = (
        f". Optional: --team-col {_quoted(team)} makes a change of who handled a case a handoff"
        if team
        else ""
    )
    raise IngestError(
        f"{path.name}: {'; '.join(parts)}. The file's columns: {shown}. Name them, e.g. "
        f"`journeys {command} {_quoted(path.name)} {flags}`; XES and OCEL logs need no flags"
        f"{optional}"
    )


def _quoted(name: str) -> str:
    return name if re.fullmatch(r"[\w.:/-]+", name) else f"'{name}'"


def _array_keys(path: Path) -> list[str]:
    """The keys of the first elements of a JSON file holding one array of objects."""
    from journeys.errors import WarehouseError

    try:
        with Warehouse() as scratch:
            found = scratch.rows("ingest/json_array_keys", path=str(path))
    except WarehouseError as exc:
        detail = str(exc).split(": ", 2)[-1][:160]
        raise IngestError(
            f"{path.name}: not a readable JSON array file ({detail}); check the file is "
            "complete. Nothing was loaded from it"
        ) from None
    return list(dict.fromkeys(k for (keys,) in found for k in keys or []))


def header(path: Path, kind: str, settings: Settings) -> list[str]:
    """The column names of a CSV, Parquet or JSONL file (its first rows only: a text file's
    first bytes, so a file damaged further on is named by the load, not here)."""
    try:
        if kind == "parquet":
            return list(pl.read_parquet_schema(path))
        if kind == "jsonl":
            head = read_head(path, 1 << 20)
            if opens_json_array(head):
                return _array_keys(path)
            encoding = marked_encoding(head, settings.source("log").encoding)
            lines = utf8_lines(path.name, head, encoding)
            return pl.read_ndjson(io.BytesIO(lines), n_rows=100, infer_schema_length=100).columns
        from journeys.ingest.records import excel_sep, refuse_title  # NumPy: a CSV's only

        head = read_head(path, 1 << 16)
        encoding = marked_encoding(head, settings.source("log").encoding)
        check_header(path, head, encoding)
        text = head.decode(encoding, errors="replace").lstrip("\ufeff")
        numbered = [(n, t) for n, t in enumerate(text.splitlines(), 1) if t.strip()]
        texts = [t for _, t in numbered] or [""]
        line, named = texts[0], excel_sep(texts[0])
        if named is not None:  # a sep=; line before the header (the load skips it too)
            return next(csv.reader(texts[1:2], delimiter=named))
        refuse_title(path.name, numbered[:10] or [(1, "")])
        dialect = csv.Sniffer().sniff(line, delimiters=",;\t|")
        return next(csv.reader([line], dialect))
    except IngestError:  # the file's first bytes cannot be read: read_head names it
        raise
    except Exception as exc:  # any reader error: the load that follows names the problem
        if not read_head(path, 1 << 16).strip():
            raise IngestError(
                f"{path.name}: the file is empty (no column names, no events); export the log "
                "again. Nothing was loaded"
            ) from None
        raise IngestError(
            f"{path.name}: cannot read the column names ({str(exc).splitlines()[0][:120]}); "
            f"check the file is {kind}, or pass --format"
        ) from None
