"""Where a delivered CSV's records lie, counted from its bytes, not by the CSV reader.

DuckDB's reader pairs quotes across the whole file: one unterminated quote swallowed every line
after it into a single bad record (25,000 rows of a 50,000-row file in one reject), or into a
quoted field that closed many lines later. So the file's lines are counted here first, apart
from the reader, and the reader's record count must match (``Layout.records``):

* ingest/lines.py finds every line's quote parity, the blank lines and carriage returns inside
  lines;
* a line whose quotes do not balance is matched field by field (RFC 4180 as DuckDB reads it:
  a quote opens a field only at its start, spaces around a quoted field are allowed): a quoted
  field that closes on a later line makes one record of those lines if the record has the
  header's number of fields; otherwise (a quote that never closes where a field may end, a
  carriage return inside an unquoted field, a record past the reader's 2 MiB) the line is kept
  apart as a reject of its own (``Layout.kept``) and the lines after it are read as records;
* a line that repeats the header byte for byte (files joined with their headers) is kept apart;
* every other non-blank line after the header is one record.

Blank and kept-apart lines are left out of the copy the reader parses (``Layout.drop``);
``Layout.offsets`` turns the reader's record number back into the line of the delivered file.
"""

from __future__ import annotations

import bisect
import csv
import io
import itertools
import mmap
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from journeys.errors import IngestError
from journeys.ingest.lines import CR, LF, LineScan

MAX_RECORD = 2 << 20  # DuckDB's max_line_size: a longer record is refused by the reader anyway
DELIMITERS = (",", ";", "\t", "|")
_QUOTED = re.compile(rb' *"(?:[^"]|"")*" *')


KEPT_REASONS = {
    "quote": "a quote in this line opens a field that does not close where a field may end, so "
    "the line is kept apart and the lines after it are read on their own; put fields holding "
    "quotes, delimiters or line breaks in double quotes and double the quotes inside",
    "cr": "a carriage return inside an unquoted field (not ending the line) stops the CSV "
    "reader; put the field in double quotes or remove the carriage return",
    "long": "the record is longer than 2 MiB, more than the CSV reader reads; shorten the field "
    "or deliver the source as JSON lines or Parquet",
    "header": "the line repeats the header (files joined with their headers?), so it is no row; "
    "keep the first file's header only",
}


@dataclass(frozen=True)
class Kept:
    """A line kept apart from the records, and why (a key of ``KEPT_REASONS``)."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Layout:
    """How the reader must see a CSV file, and how to number what it reads."""

    delimiter: str
    records: int
    """Records after the header (kept-apart lines not included), counted from the bytes."""
    offsets: tuple[tuple[int, int], ...]
    """(first record, line minus record number) from that record on: the reader's record ``r``
    lies on line ``r + offset``."""
    kept: tuple[Kept, ...]
    drop: tuple[tuple[int, int], ...]
    """Byte ranges (blank and kept-apart lines) the reader must not see; none: read as is."""
    suspect: int
    """The first line whose quotes or carriage returns may be read differently (0: none)."""
    names: tuple[str, ...] = ()
    """The header's column names as written (the reader renames a repeated one: a, a_1)."""
    joined: tuple[int, ...] = ()
    """Lines whose line break lies inside a quoted field (it is part of the field's value)."""


@contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap]:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        yield mm


class _Fields:
    """Matches one record field by field from a line's start (RFC 4180 as DuckDB reads it)."""

    def __init__(self, buf: mmap.mmap, delimiter: str, newline: int) -> None:
        d = re.escape(delimiter.encode())
        nl = b"\\n" if newline == LF else b"\\r"
        self.buf, self.delim, self.newline = buf, ord(delimiter), newline
        self.plain = re.compile(rb'(?! *")[^' + d + nl + rb"]*")

    def match(self, pos: int, limit: int) -> tuple[int, int] | str:
        """(position of the record's newline or the file's end, fields), or why the record
        cannot be read: "quote" (a quoted field that does not close where a field may end),
        "cr" (a carriage return inside an unquoted field) or "long" (past ``limit`` bytes)."""
        buf, size = self.buf, len(self.buf)
        end = min(size, pos + limit)
        fields = 0
        while True:
            m = _QUOTED.match(buf, pos, end)
            if m is None:
                m = self.plain.match(buf, pos, end)
                if m is None:
                    return "quote" if end == size else "long"
                if self.newline == LF and self._lone_cr(m.start(), m.end()):
                    return "cr"
            fields, pos = fields + 1, m.end()
            if pos >= end:
                return (pos, fields) if end == size else "long"
            byte = buf[pos]
            if byte == self.delim:
                pos += 1
            elif byte == self.newline:
                return pos, fields
            elif byte == CR and self.newline == LF and pos + 1 < size and buf[pos + 1] == LF:
                return pos + 1, fields
            else:
                return "quote"

    def _lone_cr(self, start: int, end: int) -> bool:
        """A CR in an unquoted field other than the one ending a CRLF line: DuckDB's sniffer
        cannot read the file."""
        cr = self.buf.find(b"\r", start, end)
        if cr < 0:
            return False
        last = cr == end - 1 and end < len(self.buf) and self.buf[end] == LF
        return not last or self.buf.find(b"\r", start, end - 1) >= 0


def layout(path: Path, scan: LineScan, *, name: str, exhaustive: bool = False) -> Layout:
    """Find the header, its delimiter and every record of the CSV ``path`` (see the module).
    ``exhaustive``: match every line holding a quote, not only those whose quotes are odd."""
    blank = set(scan.blank.tolist())
    header = next((n for n in range(1, scan.lines + 1) if n not in blank), 0)
    if not header:
        raise IngestError(f"{name}: no header line; deliver the column names on the first line")
    with _mapped(path) as buf:
        named = excel_sep(_text(buf, scan, header))
        if named is not None:  # left out as a blank line before the header is
            blank.add(header)
            header = next((n for n in range(header + 1, scan.lines + 1) if n not in blank), 0)
            if not header:
                raise IngestError(f"{name}: no header line after its sep= line")
        delimiter, fields, header_end = _header(buf, scan, header, name, named)
        if fields == 1:  # no delimiter: a report's title above the column names?
            later = (n for n in range(header + 1, scan.lines + 1) if n not in blank)
            lines = [(n, _text(buf, scan, n)) for n in (header, *itertools.islice(later, 9))]
            refuse_title(name, lines)
        reader = _Fields(buf, delimiter, scan.newline)
        suspects = np.union1d(scan.odd, scan.bare_cr)
        candidates = np.union1d(_quoted_lines(buf, scan) if exhaustive else suspects, _long(scan))
        kept, spans = _split(reader, scan, candidates[candidates > header_end], fields)
        kept = sorted([*kept, *_repeated_headers(buf, scan, header, header_end, kept, spans)])
        texts = tuple(Kept(n, _text(buf, scan, n), why) for n, why in kept)
        names = _names(buf, scan, (header, header_end), delimiter)
    found = _layout(scan, delimiter, (header, header_end), blank, texts, spans, suspects)
    return replace(found, names=names)


_SEP_LINE = re.compile(r"\ufeff?sep=(.)\s*", re.IGNORECASE)


def refuse_title(name: str, lines: list[tuple[int, str]]) -> None:
    """Refuse a delimited file whose first line (``lines``: the first non-blank lines, with
    their numbers) holds no delimiter while a later one does: a report's title or a note above
    the column names, which the reader would take for the only column name."""
    (first, text), *rest = lines
    if any(d in text for d in DELIMITERS):
        return
    found = next(((n, t) for n, t in rest if any(d in t for d in DELIMITERS)), None)
    if found is None:
        return
    line, names = found
    above = "the line" if line - first == 1 else f"the {line - 1} lines"
    raise IngestError(
        f"{name}: line {first} ({_shown(text)}) holds no delimiter, but line {line} "
        f"({_shown(names)}) does: the column names must come first; delete {above} above them "
        "(a report's title?). Nothing was loaded from it"
    )


def _shown(text: str) -> str:
    text = text.strip().lstrip("\ufeff")
    return repr(text if len(text) <= 60 else text[:57] + "...")


def excel_sep(first: str) -> str | None:
    """The delimiter a first line ``sep=;`` names (the hint some tools write for Excel), or
    None when the first line is not one."""
    found = _SEP_LINE.fullmatch(first)
    return found.group(1) if found and found.group(1) in DELIMITERS else None


def _header(
    buf: mmap.mmap, scan: LineScan, line: int, name: str, named: str | None = None
) -> tuple[str, int, int]:
    """(delimiter, fields, last line) of the header: the delimiter a ``sep=`` line ``named``,
    else the one that splits it into the most fields (a comma on a tie or none)."""
    best: tuple[int, str, int] | None = None
    for delimiter in (named,) if named else DELIMITERS:
        found = _Fields(buf, delimiter, scan.newline).match(scan.start(line), MAX_RECORD)
        if not isinstance(found, str) and (best is None or found[1] > best[0]):
            best = (found[1], delimiter, scan.line_at(found[0]))
    if best is None:
        raise IngestError(
            f"{name}: the header (line {line}) has a quote that does not close; fix the column "
            "names. Nothing was loaded from it"
        )
    return best[1], best[0], best[2]


def _repeated_headers(
    buf: mmap.mmap,
    scan: LineScan,
    header: int,
    header_end: int,
    kept: list[tuple[int, str]],
    spans: list[tuple[int, int]],
) -> list[tuple[int, str]]:
    """The lines after the header that repeat it byte for byte (files joined with their
    headers), outside the records that span lines and the lines kept apart already. Found with
    the buffer's own search, not line by line."""
    if header != header_end:
        return []  # a header over several lines: not looked for
    text = bytes(buf[scan.start(header) : int(scan.ends[header - 1])]).removesuffix(b"\r")
    text = text.removeprefix(b"\xef\xbb\xbf")
    taken = {n for n, _ in kept} | {n for a, b in spans for n in range(a, b + 1)}
    found: set[int] = set()
    for needle in (b"\n" + text, b"\n\xef\xbb\xbf" + text):  # the next file's BOM, too
        pos = buf.find(needle, int(scan.ends[header - 1]))
        while pos >= 0:
            line = scan.line_at(pos + 1)
            end = int(scan.ends[line - 1])
            written = bytes(buf[pos + 1 : end]).removesuffix(b"\r").removeprefix(b"\xef\xbb\xbf")
            if written == text and line not in taken:
                found.add(line)
            pos = buf.find(needle, end)
    return [(line, "header") for line in sorted(found)]


def _long(scan: LineScan) -> np.ndarray:
    """Lines longer than the reader reads (whatever their quotes)."""
    starts = np.concatenate(([0], scan.ends[:-1] + 1))
    return np.flatnonzero(scan.ends - starts > MAX_RECORD) + 1


def _quoted_lines(buf: mmap.mmap, scan: LineScan) -> np.ndarray:
    lines: list[int] = []
    pos = buf.find(b'"')
    while pos >= 0:
        line = scan.line_at(pos)
        lines.append(line)
        end = int(scan.ends[line - 1])
        pos = buf.find(b'"', end + 1) if end + 1 < len(buf) else -1
    return np.array(lines, dtype=np.int64)


def _split(
    reader: _Fields, scan: LineScan, candidates: np.ndarray, fields: int
) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    """Kept-apart lines (with why) and multi-line records (first line, last line) among the
    candidates."""
    kept: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    covered = 0
    for line in candidates.tolist():
        if line <= covered:
            continue  # inside a record that began on an earlier line
        found = reader.match(scan.start(line), MAX_RECORD)
        if isinstance(found, str):
            kept.append((line, found))
            continue
        last = scan.line_at(found[0])
        if last > line and found[1] != fields:
            kept.append((line, "quote"))
        elif last > line:
            spans.append((line, last))
            covered = last
    return kept, spans


def _names(
    buf: mmap.mmap, scan: LineScan, header: tuple[int, int], delimiter: str
) -> tuple[str, ...]:
    """The header's fields as written (a header over several lines: its quoted newlines kept)."""
    raw = buf[scan.start(header[0]) : int(scan.ends[header[1] - 1])]
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff").removesuffix("\r")
    return tuple(next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), []))


def _text(buf: mmap.mmap, scan: LineScan, line: int) -> str:
    raw = buf[scan.start(line) : int(scan.ends[line - 1])]
    return raw.decode("utf-8", errors="replace").removesuffix("\r")


def _layout(
    scan: LineScan,
    delimiter: str,
    header: tuple[int, int],
    blank: set[int],
    kept: tuple[Kept, ...],
    spans: list[tuple[int, int]],
    suspects: np.ndarray,
) -> Layout:
    header_start, header_end = header
    inside = {n for first, last in spans for n in range(first + 1, last + 1)}
    outside_blank = [n for n in sorted(blank) if n > header_end and n not in inside]
    dropped = sorted([*outside_blank, *(k.line for k in kept)])
    records, offsets = _offsets(scan.lines, header_end, sorted({*dropped, *inside}))
    later = suspects[suspects > header_end]
    return Layout(
        delimiter=delimiter,
        records=records,
        offsets=offsets,
        joined=tuple(n for first, last in spans for n in range(first, last)),
        kept=kept,
        drop=_ranges(scan, [*(n for n in sorted(blank) if n < header_start), *dropped]),
        suspect=int(later[0]) if len(later) else 0,
    )


def _offsets(
    lines: int, header_end: int, removed: list[int]
) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(records, offsets) when every line after the header starts a record but the ``removed``
    ones (sorted): the record on line L is number L - header_end - (removed lines before L)."""
    offsets = {1: header_end}
    for k, line in enumerate(removed, 1):
        offsets[line + 1 - header_end - k] = header_end + k  # from the next record on
    records = lines - header_end - len(removed)
    return records, tuple((rec, off) for rec, off in offsets.items() if rec <= max(records, 1))


def _ranges(scan: LineScan, lines: list[int]) -> tuple[tuple[int, int], ...]:
    """Byte ranges of whole lines (sorted; with their newline), merged where they touch."""
    ranges: list[tuple[int, int]] = []
    for line in lines:
        start, end = scan.start(line), min(int(scan.ends[line - 1]) + 1, scan.size)
        if ranges and ranges[-1][1] == start:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    return tuple(ranges)


def mixed_line_ends(path: Path, scan: LineScan, found: Layout) -> Layout | None:
    """``found`` reading a file whose lines end both in CRLF and in LF alone (a header written
    by one tool, rows by another; files joined from two systems) with every line's CR left out
    too, so that all its records end in LF: DuckDB's reader takes one kind of line end, and its
    sniffer refuses such a file whole. A line break inside a quoted field keeps its CR (it is
    the field's value). None when the line ends are all of one kind."""
    if scan.newline != LF:
        return None
    blank = set(scan.blank.tolist())
    ends = {n: int(scan.ends[n - 1]) for n in range(1, scan.lines + 1) if n not in blank}
    ended = {n: end for n, end in ends.items() if 0 < end < scan.size}  # a last line may not end
    with _mapped(path) as buf:
        crlf = [n for n, end in ended.items() if buf[end - 1] == CR]
    if not crlf or len(crlf) == len(ended):
        return None
    inside = set(found.joined)
    starts = [start for start, _ in found.drop]  # sorted and disjoint (``_ranges``)

    def dropped(cr: int) -> bool:
        at = bisect.bisect_right(starts, cr) - 1
        return at >= 0 and cr < found.drop[at][1]

    crs = [ended[n] - 1 for n in crlf if n not in inside]
    kept = [(cr, cr + 1) for cr in crs if not dropped(cr)]
    return replace(found, drop=tuple(sorted([*found.drop, *kept])))


def write_without(path: Path, drop: tuple[tuple[int, int], ...], out: Path) -> None:
    """Copy ``path`` to ``out`` leaving out the byte ranges ``drop`` (sorted, disjoint)."""
    with _mapped(path) as buf, out.open("wb") as target:
        pos = 0
        for start, end in drop:
            target.write(buf[pos:start])
            pos = end
        target.write(buf[pos:])


def returned_runs(
    offsets: tuple[tuple[int, int], ...], records: int, rejected: list[int]
) -> tuple[tuple[int, int], ...]:
    """(first row, line minus row) stretches of the rows the reader returned (row = 0-based
    place in what it returned): the records numbered 1..``records``, less the ``rejected`` ones,
    lie on the lines ``offsets`` gives. Usually one stretch."""
    if len(offsets) == 1 and not rejected:  # the usual case: one stretch, nothing to compute
        return ((0, offsets[0][1] + 1),)
    keep = np.ones(records, dtype=bool)
    keep[np.asarray(rejected, dtype=np.int64) - 1] = False
    returned = np.flatnonzero(keep) + 1
    if not len(returned):
        return ((0, 0),)
    firsts = np.array([first for first, _ in offsets])
    shifts = np.array([shift for _, shift in offsets])
    lines = returned + shifts[np.searchsorted(firsts, returned, side="right") - 1]
    delta = lines - np.arange(len(returned))
    change = np.flatnonzero(np.diff(delta, prepend=delta[0] - 1) != 0)
    return tuple((int(row), int(delta[row])) for row in change)
