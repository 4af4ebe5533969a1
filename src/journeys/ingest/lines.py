"""The lines of a delivered text file, counted from its bytes apart from any reader.

``scan_lines`` (numpy, in chunks: a line may straddle two) finds each line's end, the blank
lines, the lines with an odd number of double quotes and those holding a carriage return that
is not part of a CRLF; ingest/records.py finds a CSV's records from them. ``count_lines``
only counts (``bytes.count``), for JSON lines, whose reader must return every line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from journeys.errors import GZIP_ERRORS, unreadable
from journeys.ingest.contracts import open_delivered

LF, CR, QUOTE = 10, 13, 34
_CHUNK = 1 << 24
_HEAD = 1 << 20  # where a file shows its line breaks


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


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The file for reading, gunzipped on the fly for ``.gz``; a damaged or cut-off gzip
    stream is an IngestError naming the file, not a traceback."""
    try:
        with open_delivered(path) as handle:
            yield handle
    except GZIP_ERRORS as exc:
        raise unreadable(path, exc) from exc


def scan_lines(path: Path) -> LineScan:
    """One pass over ``path`` (gunzipped on the fly for ``.gz``) in chunks: newlines, blank
    lines, bare CRs and the lines with an odd number of quotes."""
    ends: list[np.ndarray] = []
    blank: list[np.ndarray] = []
    odd: list[np.ndarray] = []
    bare: list[np.ndarray] = []
    with _opened(path) as handle:
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
    with _opened(path) as handle:
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
