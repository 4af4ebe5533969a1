"""XES and XES.gz event logs, read with rustxes (a maintained Rust parser), one row per event.

``read_xes(path, lifecycle=...)`` returns the standard keys as columns: ``case:concept:name``
(the trace's name), ``concept:name`` (the activity), ``time:timestamp`` (text: ISO-8601 with
``Z`` when the file's timestamps carry an offset, naive local time when they do not, so the
importer's ``--timezone`` applies), ``lifecycle:transition`` and every other event or trace
attribute (trace attributes prefixed ``case:``), as text, in name order. Nested ``<list>``
attributes stay attributes: only an event's own ``concept:name`` is its activity.

A file rustxes says it misread (a timestamp it could not parse, an attribute of two types) is
read again by ``xes_plain``, every value as written.

Lifecycle: ``complete`` (default) keeps the events whose transition is ``complete`` (or absent,
as XES reads it); ``all`` keeps every event and names a non-complete one by its transition
(``Register (start)``), so start and complete are different touchpoints. A log none of whose
events is complete uses the key for a lifecycle of its own (BPI Challenge 2013: ``Accepted``
events ``In Progress`` or ``Wait``, its classifier both keys): ``complete`` would leave every
event out, so each is kept and named as ``all`` names it, and ``own_transitions`` says so.
"""

from __future__ import annotations

import codecs
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from journeys.errors import IngestError
from journeys.ingest import xes_parts
from journeys.ingest.contracts import is_gzip, read_head
from journeys.ingest.native import call_native

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
LIFECYCLE = "lifecycle:transition"
RESOURCE = "org:resource"
GROUP = "org:group"
LIFECYCLES = ("complete", "all")
ISO_UTC = "%Y-%m-%dT%H:%M:%S%.6fZ"
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.6f"
_FIRST_TIMESTAMP = re.compile(rb'key="time:timestamp"\s+value="([^"]*)"')
OFFSET = re.compile(rb"(Z|z|[+-]\d\d:?\d\d)$")
"""A timestamp's offset at its end (none: a naive local time)."""
_ROOT_LOG = re.compile(rb"\s*(<\?xml.*?\?>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<log[\s>/]", re.S)
"""An XML document whose root element is ``<log>``: an XES log, with or without the standard's
namespace and version (pm4py writes a bare ``<log>``, then metadata for many kilobytes)."""


@dataclass(frozen=True)
class XesLog:
    """The events of one XES file, and what reading left out."""

    events: pl.DataFrame
    left_out: int
    """Events of other lifecycle transitions, left out by ``lifecycle='complete'``."""
    naive_timestamps: bool
    """The file's timestamps carry no offset (local times: ``--timezone`` says where)."""
    own_transitions: tuple[str, ...] = ()
    """No event is complete: the log's transitions (the most frequent first), every event kept
    and named by its transition as ``lifecycle='all'`` names it (the module docstring)."""


_TAIL_CHILD = """
import sys, zlib
inflate, tail = zlib.decompressobj(16 + zlib.MAX_WBITS), b""
with open(sys.argv[1], "rb") as handle:
    while chunk := handle.read(1 << 20):
        tail = (tail + inflate.decompress(chunk))[-int(sys.argv[2]):]
sys.stdout.buffer.write(tail)
sys.exit(0 if inflate.eof else 3)
"""
"""Inflates a gzip stream, keeping only its end; exit code 3: the stream ends early."""


class Tail:
    """The last bytes of a (decompressed) file. A gzip file has to be inflated whole to reach its
    end (0.4 s for 1M events); a child process does that on the other core while rustxes parses
    (the parse holds the GIL, so a thread could not), started by ``Tail(path)`` and awaited by
    ``bytes()``. A plain file is read where it ends."""

    def __init__(self, path: Path, size: int = 256) -> None:
        self.path, self.size = path, size
        self._child: subprocess.Popen[bytes] | None = None
        if is_gzip(path):
            self._child = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _TAIL_CHILD, str(path), str(size)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )

    def bytes(self) -> bytes:
        if self._child is None:
            with self.path.open("rb") as handle:
                handle.seek(max(0, self.path.stat().st_size - self.size))
                return handle.read()
        out, err = self._child.communicate()
        if self._child.returncode == 3:
            raise IngestError(
                f"{self.path.name}: the gzip stream ends early (the file is cut off); download "
                "or export it again. Nothing was loaded from it"
            )
        if self._child.returncode != 0:
            lines = err.decode("utf-8", errors="replace").strip().splitlines() or ["unknown"]
            raise IngestError(
                f"{self.path.name}: not readable ({lines[-1][:160]}); check the file is "
                "complete. Nothing was loaded"
            )
        return out

    def stop(self) -> None:
        """End the child if it still runs (the parse failed first)."""
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.communicate()


def check_head(path: Path) -> tuple[bytes, str | None]:
    """Refuse a file that is not XES (its root element is not ``<log>``); returns the file's
    first bytes (as UTF-8 when the file is UTF-16) and, for a UTF-16 file, its codec."""
    head = read_head(path)
    utf16 = _utf16(head)
    if utf16 is not None:
        head = head.decode("utf-16", errors="ignore").encode()  # the byte-order mark left out
    if not _ROOT_LOG.match(head.removeprefix(codecs.BOM_UTF8)):
        raise IngestError(
            f"{path.name}: not an XES log (its root element is not <log>, as an XES log's is); "
            "export the log as XES, or pass --format for another format. Nothing was loaded"
        )
    return head, utf16


def require_log_end(path: Path, tail: bytes, *, utf16: str | None = None) -> None:
    """Refuse a file cut off before ``</log>``: rustxes returns the traces before the cut.
    ``utf16``: the codec of a UTF-16 file's end (``utf-16-le`` or ``-be``)."""
    if utf16 is not None:
        tail = tail.decode(utf16, errors="ignore").encode()
    if not tail.rstrip().endswith(b"</log>"):
        raise IngestError(
            f"{path.name}: the XES file does not end with </log>, so it is cut off; export it "
            "again. Nothing was loaded from it"
        )


TROUBLE = ("Failed to parse", "contains values of different dtypes")
"""What rustxes prints when its frame does not hold the file's values (``needs_plain``)."""


DEBUG_TEXT = "[Attribute { key: "
"""How rustxes writes a ``<list>`` or ``<container>`` attribute's values, without a word:
``[Attribute { key: "tag", value: String("vip"), own_attributes: None }]``."""


def needs_plain(rustxes_output: str, frame: pl.DataFrame | None = None) -> bool:
    """Whether rustxes said that it left values out or wrote them as debug text, or wrote a
    nested attribute of ``frame`` (its text columns) as debug text without saying so."""
    if any(sign in rustxes_output for sign in TROUBLE):
        return True
    if frame is None:
        return False
    texts = [c for c, kind in frame.schema.items() if kind == pl.String]
    found = frame.select(pl.col(c).str.starts_with(DEBUG_TEXT).any() for c in texts)
    return bool(texts) and any(found.row(0))


def read_xes(path: Path, *, lifecycle: str = "complete") -> XesLog:
    """One row per event of the XES (or XES.gz) file; see the module docstring."""
    if lifecycle not in LIFECYCLES:
        raise IngestError(f"--lifecycle {lifecycle}: use complete or all")
    head, utf16 = check_head(path)
    frame, said, plain = _parse(path, utf16=utf16)
    if plain or needs_plain(said, frame):  # values rustxes left out or wrote as debug text
        from journeys.ingest.xes_plain import read_plain  # the XML parser: only then

        frame = read_plain(path)
    if frame.is_empty():
        raise IngestError(f"{path.name}: the XES file has no events; nothing to import")
    naive = _naive(head)
    frame, left_out, own = _lifecycle(frame, lifecycle)
    return XesLog(
        events=_as_text(frame, naive=naive),
        left_out=left_out,
        naive_timestamps=naive,
        own_transitions=own,
    )


def _parse(path: Path, *, utf16: str | None) -> tuple[pl.DataFrame, str, bool]:
    """rustxes' events of the file, what it said, and whether to read the file with
    ``xes_plain`` instead: a large file in parts on every core (``xes_parts``; a column of
    values of two types in two parts), else whole (a complete file rustxes cannot read at all,
    such as one holding an empty ``<trace/>``, on which it panics, or a UTF-16 one)."""
    if utf16 is not None:  # rustxes reads UTF-8 only; the XML parser reads UTF-16 as it is
        require_log_end(path, Tail(path).bytes(), utf16=utf16)
        return pl.DataFrame(), "", True
    parts = xes_parts.parts_for(path)
    parsed = xes_parts.read_in_parts(path, parts) if parts > 1 else None
    if parsed is not None:
        require_log_end(path, parsed.tail)
        return parsed.events, parsed.said, parsed.mixed_types
    import rustxes

    tail = Tail(path)  # the end of a gzip file, inflated beside the parse
    said: list[str] = []
    try:
        try:
            frame, _ = call_native(path, "XES", lambda: rustxes.import_xes(str(path)), said=said)
        except IngestError:  # a file cut off is named as such, not by the parser's complaint
            require_log_end(path, tail.bytes())
            return pl.DataFrame(), "", True  # complete: xes_plain reads it or says why not
        require_log_end(path, tail.bytes())
    finally:
        tail.stop()
    return frame, "".join(said), False


def _utf16(head: bytes) -> str | None:
    """The codec of a UTF-16 file (``utf-16-le`` or ``utf-16-be``, by the byte-order mark its
    ``head`` starts with), as some Windows tools write XES; None for UTF-8."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    return "utf-16-be" if head.startswith(codecs.BOM_UTF16_BE) else None


def _naive(head: bytes) -> bool:
    """Whether the file's first timestamp has no offset (then all are read as local times)."""
    match = _FIRST_TIMESTAMP.search(head)
    return bool(match) and not OFFSET.search(match.group(1).strip())  # type: ignore[union-attr]


def _lifecycle(frame: pl.DataFrame, lifecycle: str) -> tuple[pl.DataFrame, int, tuple[str, ...]]:
    """The events ``lifecycle`` keeps, how many it left out, and a log's own transitions when
    none of its events is complete (the module docstring)."""
    if LIFECYCLE not in frame.columns:
        return frame, 0, ()
    written = pl.col(LIFECYCLE)
    if frame.select((written.is_null() | (written == "complete")).all()).item():
        # every event complete as written (most logs): nothing to leave out or rename, and no
        # copy of the frame (the filter took 27 ms of 250,000 events, this test 1 ms)
        return frame, 0, ()
    transition = written.str.strip_chars().str.to_lowercase()
    complete = transition.is_null() | (transition == "complete")
    own: tuple[str, ...] = ()
    if lifecycle == "complete":
        kept = frame.filter(complete)
        if kept.height:
            return kept, frame.height - kept.height, ()
        counted = frame.group_by(transition.alias("t")).len()  # the most events first
        own = tuple(counted.sort(["len", "t"], descending=[True, False])["t"].cast(pl.String))
    if ACTIVITY in frame.columns:
        named = pl.concat_str(pl.col(ACTIVITY), pl.lit(" ("), transition, pl.lit(")"))
        frame = frame.with_columns(
            pl.when(complete).then(pl.col(ACTIVITY)).otherwise(named).alias(ACTIVITY)
        )
    return frame, 0, own


def _as_text(frame: pl.DataFrame, *, naive: bool) -> pl.DataFrame:
    """Every column as text, the standard keys first and the rest in name order (rustxes'
    column order changes from run to run; the importer's content key must not). Run by polars'
    streaming engine, on every core: the timestamps' text is most of it, which the in-memory
    engine writes on one (1M events 0.12-0.18 s, so 0.07-0.08 s; the same frame)."""
    first = [c for c in (CASE, ACTIVITY, TIMESTAMP, LIFECYCLE) if c in frame.columns]
    order = first + sorted(c for c in frame.columns if c not in first)
    texts = [_text(frame, c, naive=naive) for c in order]
    return frame.lazy().select(texts).collect(engine="streaming")


def _text(frame: pl.DataFrame, column: str, *, naive: bool) -> pl.Expr:
    dtype: Any = frame.schema[column]
    col = pl.col(column)
    if isinstance(dtype, pl.Datetime):
        fmt = ISO_NAIVE if naive else ISO_UTC
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return col.dt.strftime(fmt).alias(column)
    if dtype == pl.String:
        return col
    return col.cast(pl.String).alias(column)
