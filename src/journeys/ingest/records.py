"""Where a delivered CSV's records lie, counted from its bytes, not by the CSV reader.

DuckDB's reader pairs quotes across the whole file: one unterminated quote swallowed every line
after it into a single bad record (25,000 rows of a 50,000-row file in one reject), or into a
quoted field that closed many lines later. So the file's lines are counted here first, apart
from the reader, and the reader's record count must match (``Layout.records``):

* numpy finds every line's quote parity, the blank lines and carriage returns inside lines;
* a line whose quotes do not balance is matched field by field (RFC 4180 as DuckDB reads it:
  a quote opens a field only at its start, spaces around a quoted field are allowed): a quoted
  field that closes on a later line makes one record of those lines if the record has the
  header's number of fields; otherwise (a quote that never closes where a field may end, a
  record past the reader's 2 MiB) the line is kept apart as a reject of its own (``Layout.kept``)
  and the lines after it are read as records again;
* every other non-blank line after the header is one record.

Blank and kept-apart lines are left out of the copy the reader parses (``Layout.drop``);
``Layout.offsets`` turns the reader's record number back into the line of the delivered file.
"""

from __future__ import annotations

import gzip
import itertools
import mmap
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from journeys.errors import IngestError

LF, CR, QUOTE = 10, 13, 34
MAX_RECORD = 2 << 20  # DuckDB's max_line_size: a longer record is refused by the reader anyway
DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 24
_HEAD = 1 << 20  # where a file shows its line breaks
_QUOTED = re.compile(rb' *"(?:[^"]|"")*" *')


@dataclass(frozen=True)
class LineScan:
    """The lines of a text file as numpy finds them (line numbers are 1-based)."""

    size: int
    newline: int
    """LF, or CR for a file whose line breaks are all bare carriage returns."""
    ends: np.ndarray
    """Byte position of each line's newline (the size for a last line without one)."""
    blank: np.ndarray
    """Empty lines (nothing, or only a CR before the LF)."""
    odd: np.ndarray
    """Lines with an odd number of double quotes."""
    bare_cr: np.ndarray
    """Lines holding a carriage return not followed by a line feed."""

    @property
    def lines(self) -> int:
        return len(self.ends)

    def start(self, line: int) -> int:
        return 0 if line == 1 else int(self.ends[line - 2]) + 1

    def line_at(self, position: int) -> int:
        return int(np.searchsorted(self.ends, position)) + 1


@dataclass(frozen=True)
class Kept:
    """A line kept apart from the records: its quote never closes where a field may end."""

    line: int
    text: str


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


def scan_lines(path: Path, *, quotes: bool = True) -> LineScan:
    """One pass over ``path`` (gunzipped on the fly for ``.gz``) in chunks: newlines, blank
    lines, bare CRs and, with ``quotes``, the lines with an odd number of quotes."""
    ends: list[np.ndarray] = []
    blank: list[np.ndarray] = []
    odd: list[np.ndarray] = []
    bare: list[np.ndarray] = []
    opener = gzip.open if path.name.lower().endswith((".gz", ".gzip")) else open
    with opener(path, "rb") as handle:
        head = handle.read(_HEAD)
        newline = CR if b"\n" not in head and b"\r" in head else LF
        state = _Carry()
        base = 0
        for chunk in itertools.chain((head,), iter(lambda: handle.read(_CHUNK), b"")):
            if not chunk:
                break
            data = np.frombuffer(chunk, dtype=np.uint8)
            nls = np.flatnonzero(data == newline) + base
            ends.append(nls)
            blank.append(state.blank(data, nls, base, newline))
            if quotes:
                odd.append(state.odd_quotes(data, nls, base))
            if newline == LF:
                bare.append(state.bare_cr(data, nls, base))
            state.advance(data, nls, base)
            base += len(chunk)
    return state.finish(base, newline, ends, blank, odd, bare)


@dataclass(frozen=True)
class LineCount:
    """How many lines a text file has, and the first holding a bare carriage return (0: none)."""

    lines: int
    bare_cr: int


def count_lines(path: Path) -> LineCount:
    """Count the lines of ``path`` (gunzipped on the fly for ``.gz``) with ``bytes.count``;
    numpy looks closer only at chunks with a carriage return that is not part of a CRLF."""
    opener = gzip.open if path.name.lower().endswith((".gz", ".gzip")) else open
    with opener(path, "rb") as handle:
        head = handle.read(_HEAD)
        newline = b"\r" if b"\n" not in head and b"\r" in head else b"\n"
        lines, last, bare, ended_cr = 0, b"", 0, False
        for chunk in itertools.chain((head,), iter(lambda: handle.read(_CHUNK), b"")):
            if not chunk:
                break
            split = ended_cr and not chunk.startswith(b"\n")
            if newline == b"\n" and not bare and (split or b"\r" in chunk):
                lone = chunk.count(b"\r") - chunk.count(b"\r\n") - chunk.endswith(b"\r")
                if lone or split:
                    bare = _first_bare_cr(chunk, lines, ended_cr)
            ended_cr = chunk.endswith(b"\r")
            lines += chunk.count(newline)
            last = chunk[-1:]
    if last and last != newline:
        lines += 1
        bare = bare or (lines if ended_cr and newline == b"\n" else 0)
    return LineCount(lines, bare)


def _first_bare_cr(chunk: bytes, lines_before: int, ended_cr: bool) -> int:
    if ended_cr and not chunk.startswith(b"\n"):
        return lines_before + 1
    data = np.frombuffer(chunk, dtype=np.uint8)
    crs = np.flatnonzero(data[:-1] == CR)
    lone = crs[data[crs + 1] != LF]
    if not len(lone):
        return 0
    return lines_before + int(np.count_nonzero(data[: lone[0]] == LF)) + 1


class _Carry:
    """What one chunk passes to the next: the line count, the last newline, the quotes of the
    unfinished line, whether the chunk ended in a CR and its last byte."""

    def __init__(self) -> None:
        self.lines = 0
        self.last_nl = -1
        self.quotes = 0
        self.ended_cr = False
        self.last_byte = -1

    def blank(self, data: np.ndarray, nls: np.ndarray, base: int, newline: int) -> np.ndarray:
        if not len(nls):
            return np.empty(0, dtype=np.int64)
        starts = np.concatenate(([self.last_nl + 1], nls[:-1] + 1))
        lengths = nls - starts
        one = lengths == 1
        first = np.where(starts >= base, data[np.clip(starts - base, 0, len(data) - 1)], -1)
        first = np.where(starts < base, self.last_byte, first)
        empty = (lengths == 0) | (one & (first == CR) & (newline == LF))
        return np.flatnonzero(empty) + self.lines + 1

    def odd_quotes(self, data: np.ndarray, nls: np.ndarray, base: int) -> np.ndarray:
        quotes = np.flatnonzero(data == QUOTE) + base
        index = np.searchsorted(nls, quotes)  # line within the chunk; len(nls): unfinished
        counts = np.bincount(index, minlength=len(nls) + 1)
        counts[0] += self.quotes
        self.quotes = int(counts[-1]) if len(nls) else int(counts[0])
        finished = counts[: len(nls)]
        return np.flatnonzero(finished % 2 == 1) + self.lines + 1

    def bare_cr(self, data: np.ndarray, nls: np.ndarray, base: int) -> np.ndarray:
        crs = np.flatnonzero(data == CR)
        following = np.append(data[1:], -1)[crs] if len(crs) else crs
        lone = crs[(following != LF) & (crs + 1 < len(data))] + base
        lines = [np.searchsorted(nls, lone) + self.lines + 1]
        if self.ended_cr and data[0] != LF:
            lines.insert(0, np.array([self.lines + 1]))
        return np.concatenate(lines)

    def advance(self, data: np.ndarray, nls: np.ndarray, base: int) -> None:
        self.lines += len(nls)
        if len(nls):
            self.last_nl = int(nls[-1])
        self.ended_cr = bool(data[-1] == CR)
        self.last_byte = int(data[-1])

    def finish(self, size: int, newline: int, *parts: list[np.ndarray]) -> LineScan:
        ends, blank, odd, bare = (
            np.concatenate(p) if p else np.empty(0, dtype=np.int64) for p in parts
        )
        if self.ended_cr and newline == LF:
            bare = np.append(bare, self.lines + 1)
        if size > self.last_nl + 1:  # a last line without its newline
            ends = np.append(ends, size)
            if self.quotes % 2:
                odd = np.append(odd, self.lines + 1)
            if size - self.last_nl - 1 == 1 and self.last_byte == CR:
                blank = np.append(blank, self.lines + 1)
        return LineScan(size, newline, ends, blank, odd, np.unique(bare))


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

    def match(self, pos: int, limit: int) -> tuple[int, int] | None:
        """(position of the record's newline or the file's end, fields), or None when the
        record is malformed or longer than ``limit`` bytes."""
        buf, size = self.buf, len(self.buf)
        end = min(size, pos + limit)
        fields = 0
        while True:
            m = _QUOTED.match(buf, pos, end) or self.plain.match(buf, pos, end)
            if m is None:
                return None
            fields, pos = fields + 1, m.end()
            if pos >= end:
                return (pos, fields) if end == size else None
            byte = buf[pos]
            if byte == self.delim:
                pos += 1
            elif byte == self.newline:
                return pos, fields
            elif byte == CR and self.newline == LF and pos + 1 < size and buf[pos + 1] == LF:
                return pos + 1, fields
            else:
                return None


def layout(path: Path, scan: LineScan, *, name: str, exhaustive: bool = False) -> Layout:
    """Find the header, its delimiter and every record of the CSV ``path`` (see the module).
    ``exhaustive``: match every line holding a quote, not only those whose quotes are odd."""
    blank = set(scan.blank.tolist())
    header = next((n for n in range(1, scan.lines + 1) if n not in blank), 0)
    if not header:
        raise IngestError(f"{name}: no header line; deliver the column names on the first line")
    with _mapped(path) as buf:
        delimiter, fields, header_end = _header(buf, scan, header, name)
        reader = _Fields(buf, delimiter, scan.newline)
        suspects = np.union1d(scan.odd, scan.bare_cr)
        candidates = _quoted_lines(buf, scan) if exhaustive else suspects
        kept, spans = _split(reader, scan, candidates[candidates > header_end], fields)
        texts = tuple(Kept(n, _text(buf, scan, n)) for n in kept)
    return _layout(scan, delimiter, (header, header_end), blank, texts, spans, suspects)


def _header(buf: mmap.mmap, scan: LineScan, line: int, name: str) -> tuple[str, int, int]:
    """(delimiter, fields, last line) of the header: the delimiter that splits it into the
    most fields (a comma on a tie or none)."""
    best: tuple[int, str, int] | None = None
    for delimiter in DELIMITERS:
        found = _Fields(buf, delimiter, scan.newline).match(scan.start(line), MAX_RECORD)
        if found and (best is None or found[1] > best[0]):
            best = (found[1], delimiter, scan.line_at(found[0]))
    if best is None:
        raise IngestError(
            f"{name}: the header (line {line}) has a quote that does not close; fix the column "
            "names. Nothing was loaded from it"
        )
    return best[1], best[0], best[2]


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
) -> tuple[list[int], list[tuple[int, int]]]:
    """Kept-apart lines and multi-line records (first line, last line) among the candidates."""
    kept: list[int] = []
    spans: list[tuple[int, int]] = []
    covered = 0
    for line in candidates.tolist():
        if line <= covered:
            continue  # inside a record that began on an earlier line
        found = reader.match(scan.start(line), MAX_RECORD)
        last = scan.line_at(found[0]) if found else line
        if found is None or (last > line and found[1] != fields):
            kept.append(line)
        elif last > line:
            spans.append((line, last))
            covered = last
    return kept, spans


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
    starts = np.ones(scan.lines + 1, dtype=bool)
    starts[: header_end + 1] = False
    inside = np.zeros(scan.lines + 1, dtype=bool)
    for first, last in spans:
        inside[first + 1 : last + 1] = True
    outside_blank = [n for n in sorted(blank) if n > header_end and not inside[n]]
    dropped = sorted([*outside_blank, *(k.line for k in kept)])
    starts[dropped] = False
    starts[inside] = False
    lines = np.flatnonzero(starts)
    offsets = lines - np.arange(1, len(lines) + 1)
    change = np.flatnonzero(np.diff(offsets, prepend=-1) != 0) if len(lines) else []
    later = suspects[suspects > header_end]
    return Layout(
        delimiter=delimiter,
        records=len(lines),
        offsets=tuple((int(i) + 1, int(offsets[i])) for i in change) or ((1, header_end),),
        kept=kept,
        drop=_ranges(scan, [*(n for n in sorted(blank) if n < header_start), *dropped]),
        suspect=int(later[0]) if len(later) else 0,
    )


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
