"""A large XES file parsed in parts, side by side on every core.

rustxes holds the interpreter lock for its whole parse, so one parse uses one core however
many the machine has (0.9 s of 250,000 events, 3.2 s of a million, while the other core
waits). ``read_in_parts`` inflates the file once, cuts it at trace boundaries into complete XES
documents (the file's header, a run of its traces in order, ``</log>``) and parses them at
once: the last in this process, the others in child processes, each handing its events back as
an Arrow file. The commands start the children and cut the file (``prestart``) before they load
their own libraries and open the warehouse, so a child parses its part (a larger one:
``PRECUT_LEAD``) while this process does those. The parts' events, joined in order, are the
events of the file. A child parses with mimalloc as its allocator (``journeys/allocator.py``,
ADR 0010): glibc's allocator is a fifth of rustxes' parse (its many small strings). The
``journeys`` command runs with mimalloc itself (``journeys/launch.py``), and its children,
inheriting it, take even shares; a process that runs with glibc's allocator (journeys used as
a library, ``python -m journeys.cli``) starts its children with mimalloc, and they parse faster
than it and take the larger part (``child_share``); from ``EVERY_PART_BYTES`` on, every part
goes to such a child and that process parses none.

A cut is made only where it cannot change what is read: at a ``<trace`` start tag that
follows the first trace, with no comment, CDATA section, DOCTYPE or processing instruction
(``<!``, ``<?``) in the file from its first trace to the cut (only those could hold a
``<trace`` that is not an element: XML allows no ``<`` in an attribute's value), and no event
before the first trace. A file too small to gain (``PART_BYTES``), a machine with one core, a
file that cannot be cut so, and a part that does not parse (then the whole file's own error is
the one to report) give ``None``: the caller parses the file whole.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, Protocol

from journeys.allocator import preloaded
from journeys.errors import GZIP_ERRORS, IngestError, unreadable
from journeys.ingest.contracts import is_gzip, open_gzip
from journeys.ingest.native import call_native
from journeys.runner import available_cores

if TYPE_CHECKING:  # loaded where frames are joined: ``prestart`` runs before any library loads
    import polars as pl

PART_BYTES = 16 << 20
"""The least inflated XES worth a part of its own (about 70,000 events, a 0.3 s parse): a
child's start (the interpreter, polars and rustxes: 0.2 s of the other core) costs less."""
CHILD_LEAD = 3 << 20
"""How much less inflated XES a child's part holds than an even share: the child starts its
parse later (its interpreter, polars and rustxes load: about 0.15 s, 3 MB of parsing) and hands
its events back through a file. Measured on 250,000 events: the parse 0.74 s → 0.70 s."""
WARM_LEAD = 0
"""``CHILD_LEAD`` for a child that ``prestart`` started: it has loaded its libraries before the
file is cut, so it parses as soon as its part is complete."""
FAST_CHILD = 1.75
"""How many times as fast as this process a child parses with mimalloc as its allocator, inside
a command: a child takes 0.64 of a file cut in two, and its parse and this process's end within
0.1 s of each other in most runs at 250,000 and a million events (2.0, two thirds, left the
child last by 0.3-0.8 s at a million; 1.5 left this process last). Alone, in a fresh process,
the 250,000-event log parses in 0.47-0.87 s against 0.92-1.33 s with glibc's allocator; inside
a command both cores are busy, and the child also starts its interpreter and writes its events.
import-log, alternating with even shares and ``PRECUT_LEAD``: 250,000 events 1.58 -> 1.375 s
(medians of eight), a million 5.83 -> 4.85 s (four); ADR 0010."""
EVERY_PART_BYTES = 128 << 20
"""From this much inflated XES on (about 540,000 events), every part goes to a child that
parses with mimalloc and this process parses none: one more child's start (about 0.2 s of a
core) is then won back. import-log, eight pairs each, alternating with this process parsing
its part: 1M events (227 MiB) 4.27 -> 3.83 s, the parse's end 2.43 -> 2.055 s; 500,000 (113
MiB) 2.19 -> 2.165 s; 250,000 (56 MiB) 1.45 -> 1.435 s, the parse's end 0.79 -> 0.825 s."""
CHUNK = 1 << 20
TAIL = 256
"""How much of the inflated file's end is kept to check that it ends with ``</log>``."""
_TRACE = b"<trace"

_OPEN_CLOSE = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
HEADER_BYTES = 16 << 20
"""How far into the file its first trace is looked for (the header: declarations, globals)."""

_CHILD = "from journeys.ingest.xes_parts import serve_child; serve_child()"


@dataclass(frozen=True)
class Parsed:
    """The events of every part, joined in order, and what rustxes said while reading them."""

    events: pl.DataFrame
    said: str
    mixed_types: bool
    """A column read as values of different types in different parts (rustxes would have said
    so of the whole file: its values are to be read as written)."""
    tail: bytes
    """The end of the inflated file (it must end with ``</log>``)."""


def parts_for(path: Path) -> int:
    """How many parts to parse ``path`` in: one per core, each at least ``PART_BYTES`` of
    inflated XES (1: parse it whole)."""
    return max(1, min(available_cores(), _inflated_size(path) // PART_BYTES))


def _inflated_size(path: Path) -> int:
    """The file's size once inflated: a gzip file's trailer holds it modulo 4 GiB (at least the
    compressed size, for a file larger than that)."""
    size = path.stat().st_size
    if not is_gzip(path) or size < 4:
        return size
    with path.open("rb") as handle:
        handle.seek(size - 4)
        return max(size, int.from_bytes(handle.read(4), "little"))


def read_in_parts(path: Path, parts: int) -> Parsed | None:
    """The file's events parsed in up to ``parts`` parts side by side; ``None``: parse it whole
    (see the module docstring). A gzip stream that ends early or is damaged is refused here, as
    the whole parse would refuse it."""
    cut = _take_precut(path)
    if cut is not None:
        with cut.folder, ExitStack() as stack:
            for child in cut.children:
                stack.callback(child.stop)
            return _parse_parts(path, cut.files, cut.children, cut.tail)
    with tempfile.TemporaryDirectory(prefix="journeys-xes-") as tmp, ExitStack() as stack:
        every = _every_part_to_a_child(path)
        children, warm = _take_children(parts - 1 + every, stack)
        fast = all(child.fast for child in children)
        later = (WARM_LEAD if warm == len(children) else CHILD_LEAD) / _inflated_size(path)
        # every part in a child: all of them start alike, even shares
        lead = 0.0 if every else 1 / parts - child_share(parts, fast=fast) + later
        cutter = _Cutter(Path(tmp), parts, children, lead=lead)
        try:
            with _inflated(path) as (stream, progress):
                cutter.run(stream, progress)
        except OSError:  # no room for the parts (they are the inflated file once more)
            return None
        if len(cutter.files) < 2:  # not cut: the whole file, parsed once
            return None
        return _parse_parts(path, cutter.files, children, cutter.tail)


def _parse_parts(
    path: Path, files: list[Path], children: list[_Child], tail: bytes
) -> Parsed | None:
    """Parse the last part here while the children parse theirs (unless a child has it too:
    ``EVERY_PART_BYTES``); join the parts' events."""
    said: list[str] = []
    every = len(children) >= len(files) and children[len(files) - 1].out is not None
    mine: list[pl.DataFrame] = []  # the last part's events, when it is this process's
    if not every:
        import rustxes

        last = str(files[-1])
        try:
            mine.append(call_native(path, "XES", lambda: rustxes.import_xes(last), said=said)[0])
        except IngestError:
            return None
    frames = [child.result(said) for child in children[: len(files) - len(mine)]]
    if any(frame is None for frame in frames):
        return None
    parsed = [*(f for f in frames if f is not None), *mine]
    return Parsed(_joined(parsed), "".join(said), _mixed(parsed), tail)


def _joined(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The parts' events in order; a column one part lacks is empty there (as in the whole
    file's frame, where those events lack the attribute)."""
    import polars as pl

    return pl.concat(frames, how="diagonal_relaxed")


def _mixed(frames: list[pl.DataFrame]) -> bool:
    import polars as pl

    seen: dict[str, pl.DataType] = {}
    for frame in frames:
        for column, kind in frame.schema.items():
            if kind == pl.Null:
                continue
            if seen.setdefault(column, kind) != kind:
                return True
    return False


@contextmanager
def _inflated(path: Path) -> Iterator[tuple[_Readable, _Progress]]:
    """The file's bytes as they are inflated (a plain file as it is), with how far through the
    file the reading is (``_Progress``). A gzip stream that ends early or is damaged is an
    IngestError naming the file."""
    with path.open("rb") as raw:
        progress = _Progress(raw, max(1, path.stat().st_size), max(1, _inflated_size(path)))
        if is_gzip(path):
            with open_gzip(raw) as stream:
                yield _Guarded(stream, path), progress
        else:
            yield raw, progress


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass
class _Progress:
    """How far through the file the cut is: the share of the inflated bytes handed on so far
    (the size in a gzip trailer), or of the file on disk read, whichever is less. The disk's
    share alone runs ahead of the bytes handed on by what the inflater has read ahead (512 KiB
    in ISA-L's reader: a fifth of a 250,000-event XES.gz, whose child then got a part that much
    smaller and waited 0.4 s for this process's); the inflated share alone runs ahead for a
    file of 4 GiB or more inflated, whose trailer holds the size modulo 4 GiB."""

    raw: IO[bytes]
    size: int
    inflated_size: int
    inflated: int = 0

    def handed_on(self, data: bytes) -> None:
        self.inflated += len(data)

    def fraction(self) -> float:
        return min(self.raw.tell() / self.size, self.inflated / self.inflated_size)


class _Guarded:
    """A gzip stream whose errors name the file and the fix."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self.stream, self.path = stream, path

    def read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except EOFError:
            raise IngestError(
                f"{self.path.name}: the gzip stream ends early (the file is cut off); download "
                "or export it again. Nothing was loaded from it"
            ) from None
        except GZIP_ERRORS as exc:
            raise unreadable(self.path, exc) from None


class _Cutter:
    """Writes the inflated file into part files at trace boundaries, each handed to its child
    as soon as it is complete; the last part stays for this process, or, given a child for
    every part, goes to its child once the file has been read."""

    def __init__(self, folder: Path, parts: int, children: list[_Child], *, lead: float) -> None:
        self.folder, self.parts, self.children = folder, parts, children
        self.lead = lead
        """The share of the file each child's part is smaller by (``CHILD_LEAD``)."""
        self.files: list[Path] = []
        self.tail = b""
        self._header: bytes | None = None
        self._safe = True
        self._out: IO[bytes] | None = None

    def run(self, stream: _Readable, progress: _Progress) -> None:
        pending, before = b"", b""
        try:
            for chunk in _chunks(stream):
                progress.handed_on(chunk)
                self.tail = (self.tail + chunk[-TAIL:])[-TAIL:]
                if self._header is None:
                    pending += chunk
                    if len(pending) > HEADER_BYTES:  # no trace near the start: not cut
                        return
                    chunk = self._open_first(pending)
                    if self._header is None:
                        continue
                if self._safe and _has_markup(before, chunk):
                    self._safe = False  # every later byte goes to the part being written
                if not self._safe and len(self.files) < 2:
                    self.files = []  # nothing cut yet, nor can be: the file is parsed whole
                    return
                before = chunk[-1:]
                self._write(self._cut(chunk, progress))
            if len(self.children) >= self.parts and len(self.files) >= 2:
                self._close_part()  # the last part, complete
        finally:
            if self._out is not None:
                self._out.close()

    def _open_first(self, data: bytes) -> bytes:
        """Find the first trace; the bytes before it are the header every part starts with.
        Returns the data from the first trace on (all of it while no trace is found)."""
        at = _tag_at(data, 0)
        while at >= 0:  # a "<trace" in a comment, CDATA or instruction before it is text
            opened = [c for o, c in _OPEN_CLOSE if data.rfind(o, 0, at) > data.rfind(c, 0, at)]
            if not opened:
                break
            closed = data.find(opened[0], at)
            at = _tag_at(data, closed) if closed >= 0 else -1
        if at < 0:
            return data
        header = data[:at]
        self._safe = b"<event" not in header  # an event outside a trace: in one part only
        self._header = header
        self._next_file()
        self._write(header)
        return data[at:]

    def _cut(self, chunk: bytes, progress: _Progress) -> bytes:
        while (
            self._safe
            and len(self.files) < self.parts
            and progress.fraction() >= len(self.files) * (1 / self.parts - self.lead)
        ):
            at = _tag_at(chunk, 1)
            if at < 0:
                return chunk
            self._write(chunk[:at] + b"</log>\n")
            self._close_part()
            self._next_file()
            self._write(self._header or b"")
            chunk = chunk[at:]
        return chunk

    def _next_file(self) -> None:
        self.files.append(self.folder / f"part{len(self.files)}.xes")
        self._out = self.files[-1].open("wb")

    def _close_part(self) -> None:
        assert self._out is not None
        self._out.close()
        self._out = None
        index = len(self.files) - 1
        self.children[index].send(self.files[index], self.folder / f"part{index}.arrow")

    def _write(self, data: bytes) -> None:
        if self._out is not None and data:
            self._out.write(data)


def _chunks(stream: _Readable) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _has_markup(before: bytes, chunk: bytes) -> bool:
    """Whether ``chunk`` (after the byte ``before``) holds ``<!`` or ``<?``. Looked for by the
    rare second byte: a search for ``<!`` stops at every ``<`` of the XML (0.1 s of 250,000
    events)."""
    if before == b"<" and chunk[:1] in (b"!", b"?"):
        return True
    for mark in (b"!", b"?"):
        at = chunk.find(mark, 1)
        while at >= 0:
            if chunk[at - 1] == 0x3C:  # "<"
                return True
            at = chunk.find(mark, at + 1)
    return False


def _tag_at(data: bytes, start: int) -> int:
    """Where the first ``<trace`` start tag at or after ``start`` begins (-1: none whose name
    ends in this data)."""
    at = data.find(_TRACE, start)
    while at >= 0:
        end = at + len(_TRACE)
        if end < len(data) and data[end : end + 1] in (b">", b"/", b" ", b"\t", b"\n", b"\r"):
            return at
        at = data.find(_TRACE, at + 1)
    return -1


class _Child:
    """A child process that parses one part with rustxes and writes its events to an Arrow
    file. Started at once, so it loads its libraries while the file is being cut."""

    def __init__(self, process: subprocess.Popen[bytes], *, fast: bool = False) -> None:
        self.process = process
        self.fast = fast
        """It parses with mimalloc and this process with glibc's allocator (``preloaded``):
        ``FAST_CHILD`` times as fast."""
        self.out: Path | None = None
        self.answered = False

    @classmethod
    def start(cls) -> _Child:
        env = preloaded()
        process = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        return cls(process, fast=env is not None)

    def send(self, part: Path, out: Path) -> None:
        assert self.process.stdin is not None
        self.out = out
        self.process.stdin.write(f"{part}\t{out}\n".encode())
        self.process.stdin.close()

    def result(self, said: list[str]) -> pl.DataFrame | None:
        """The part's events (None: it did not parse; the whole file's parse will say why).

        The answer is the child's one line, read as a line: the end of the pipe comes only once
        the child's memory is unmapped as it exits (20-40 ms after it answers, for the 300 MB of
        a 250,000-event log's part), which the parse need not wait for (``stop``)."""
        if self.out is None:
            return None
        assert self.process.stdout is not None
        answer = self.process.stdout.readline()
        try:
            reply = json.loads(answer.decode("utf-8", errors="replace") or "{}")
        except ValueError:
            return None
        if "said" not in reply or reply.get("error") is not None:  # no answer: it ended first
            return None
        self.answered = True
        said.append(str(reply["said"]))
        import polars as pl

        return pl.read_ipc(self.out)

    def stop(self) -> None:
        """End the child: one that answered is ending by itself, and a thread of its own waits
        for it; any other is killed and waited for."""
        if self.answered:
            threading.Thread(
                target=self.process.wait, name="journeys-xes-child", daemon=True
            ).start()
        else:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


_WARM: list[_Child] = []
"""Children ``prestart`` started that no parse has taken yet."""


@dataclass
class _PreCut:
    """A file ``prestart`` cut into parts, its children's parts sent to them."""

    path: Path
    folder: tempfile.TemporaryDirectory[str]
    files: list[Path]
    children: list[_Child]
    tail: bytes


_PRECUT: list[_PreCut] = []
"""Files ``prestart`` cut that no parse has taken yet."""
PRECUT_LEAD = 5 << 20
"""How much more inflated XES a child's part holds than an even share when ``prestart`` cut the
file: the child starts its parse while this process still loads its libraries and opens the
warehouse (about 0.15 s, some 10 MB of parsing). Measured on 250,000 events (59 MB inflated),
import-log against the parts cut after the warehouse opened: an even share 0.961, this lead
0.952 (the child's part then done when this process's is), twice it 0.964: the child lags."""


def prestart(path: Path) -> None:
    """Start the children that will parse parts of ``path`` now, when it is an XES file large
    enough to be parsed in parts (``parts_for``), and cut the file for them: each child loads
    its interpreter, polars and rustxes (about 0.15 s of another core) and starts on its part
    while the command still loads its own libraries and opens the warehouse, instead of
    after. The parse takes them (``read_in_parts``); children and parts none takes (the command
    failed first, the file was loaded before) are ended with the process."""
    if not path.name.lower().endswith((".xes", ".xes.gz")):
        return
    try:
        count = parts_for(path) - 1
    except OSError:
        return  # not readable: the parse says so
    if count <= 0:
        return
    if not _WARM and not _PRECUT:
        atexit.register(_stop_warm)
    every = _every_part_to_a_child(path)
    children = [_Child.start() for _ in range(count + every)]
    folder = tempfile.TemporaryDirectory(prefix="journeys-xes-")
    # each child at most 1.5 shares when it is one; with more, this process keeps at least
    # half a share (1.5 shares each gave two children the whole file, this process nothing).
    # Children that parse with mimalloc take their measured share instead (``FAST_CHILD``: it
    # holds their head start too); with every part in a child, even shares
    if every:
        lead = 0.0
    elif all(child.fast for child in children):
        lead = 1 / (count + 1) - child_share(count + 1, fast=True)
    else:
        lead = -min(PRECUT_LEAD / _inflated_size(path), 0.5 / (count + 1) / count)
    cutter = _Cutter(Path(folder.name), count + 1, children, lead=lead)
    try:
        with _inflated(path) as (stream, progress):
            cutter.run(stream, progress)
    except (IngestError, OSError):  # the parse meets the same trouble and names it
        cutter.files = []
    sent = [child for child in children if child.out is not None]
    if len(cutter.files) < 2 or len(sent) != len(cutter.files) - (not every):
        folder.cleanup()
        for child in sent:
            child.stop()  # given a part no parse will use
        _WARM.extend(child for child in children if child.out is None)
        return
    _PRECUT.append(_PreCut(path.resolve(), folder, cutter.files, children, cutter.tail))


def _take_precut(path: Path) -> _PreCut | None:
    """The parts ``prestart`` cut of ``path``, if it did."""
    for cut in _PRECUT:
        if cut.path == path.resolve():
            _PRECUT.remove(cut)
            return cut
    return None


def _take_children(count: int, stack: ExitStack) -> tuple[list[_Child], int]:
    """``count`` children, those ``prestart`` started first, each ended with ``stack``; and how
    many of them were started before."""
    warm = [_WARM.pop(0) for _ in range(min(count, len(_WARM)))]
    children = [*warm, *(_Child.start() for _ in range(count - len(warm)))]
    for child in children:
        stack.callback(child.stop)
    return children, len(warm)


def _stop_warm() -> None:
    while _WARM:
        _WARM.pop().stop()
    while _PRECUT:
        cut = _PRECUT.pop()
        for child in cut.children:
            child.stop()
        cut.folder.cleanup()


def _every_part_to_a_child(path: Path) -> bool:
    """Whether every part of ``path`` goes to a child (``EVERY_PART_BYTES``): a large file, and
    children that parse with mimalloc faster than this process."""
    return _inflated_size(path) >= EVERY_PART_BYTES and preloaded() is not None


def child_share(parts: int, *, fast: bool) -> float:
    """Each child's share of the inflated file when it is cut into ``parts`` parts: an even
    share, or, for children that parse ``FAST_CHILD`` times as fast as this process, the share
    that has every part done at once (this process keeps one share to their ``FAST_CHILD``)."""
    if not fast:
        return 1 / parts
    return FAST_CHILD / ((parts - 1) * FAST_CHILD + 1)


def serve_child() -> None:
    """The child's side: parse the part named on stdin, write its events as Arrow, answer
    what rustxes said (or its error) as one JSON line."""
    import rustxes  # loaded while the parent still cuts the file

    line = sys.stdin.readline().strip()
    if not line:
        return
    part, out = line.split("\t")
    said: list[str] = []
    try:
        frame, _ = call_native(Path(part), "XES", lambda: rustxes.import_xes(part), said=said)
    except IngestError as exc:
        _answer({"error": str(exc)})
    frame.write_ipc(out, compression="uncompressed")
    _answer({"said": "".join(said)})


def _answer(reply: dict[str, str]) -> NoReturn:
    """Answer the parent (one line, which it reads as a line) and end at once: an orderly exit
    of an interpreter with polars loaded takes 30-45 ms more of the core the parent's next
    steps run on (in two runs of six at 250,000 events)."""
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    os._exit(0)
