"""A large XES file parsed in parts on every core gives the events of the file parsed whole.

The files are written by hand (an OpenXES-style header with a comment, globals, a classifier
and a log attribute; lifecycle transitions; typed attributes; escaped markup in values; a
comment holding a ``<trace>`` mid-file), and the parts are forced small, with reads of a few
bytes, so that cuts and tags fall across the reads."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from journeys.errors import IngestError
from journeys.ingest import xes_parts
from journeys.ingest.xes import read_xes

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!-- This file has been generated with the OpenXES library. -->
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="UNKNOWN"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="claims"/>
"""

TRACE = """  <trace>
    <string key="concept:name" value="claim-{n}"/>
    <string key="channel" value="{channel}"/>
    <event><string key="concept:name" value="Submit"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2024-05-{day:02d}T08:00:00.000+02:00"/></event>
    <event><string key="concept:name" value="Submit"/>
      <string key="lifecycle:transition" value="complete"/><int key="pages" value="{n}"/>
      <date key="time:timestamp" value="2024-05-{day:02d}T08:05:00.000+02:00"/></event>
    <event><string key="concept:name" value="Assess &lt;trace&gt; risk"/>
      <float key="score" value="0.{n}"/><boolean key="urgent" value="{urgent}"/>
      <date key="time:timestamp" value="2024-05-{day:02d}T09:00:00.000+02:00"/></event>
  </trace>
"""


def write_log(path: Path, traces: int = 24, *, middle: str = "") -> Path:
    body = [
        TRACE.format(n=n, channel=("web", "phone")[n % 2], day=1 + n % 28, urgent=n % 3 == 0)
        for n in range(traces)
    ]
    body.insert(traces // 2, middle)
    text = HEADER + "".join(body) + "</log>\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch):
    """Read in ``n`` parts, a few bytes at a time (``parts(n, chunk)``); returns the calls to
    read_in_parts and whether each was cut."""
    cut: list[bool] = []
    read = xes_parts.read_in_parts

    def counted(path: Path, n: int):
        parsed = read(path, n)
        cut.append(parsed is not None)
        return parsed

    def use(n: int, chunk: int = 97) -> list[bool]:
        monkeypatch.setattr(xes_parts, "parts_for", lambda path: n)
        monkeypatch.setattr(xes_parts, "CHUNK", chunk)
        monkeypatch.setattr(xes_parts, "read_in_parts", counted)
        return cut

    return use


def whole(path: Path, lifecycle: str = "complete"):
    return read_xes(path, lifecycle=lifecycle)


@pytest.mark.parametrize("name", ["claims.xes", "claims.xes.gz"])
@pytest.mark.parametrize(("n", "chunk"), [(2, 97), (3, 61), (2, 1 << 20)])
@pytest.mark.parametrize("lifecycle", ["complete", "all"])
def test_parts_give_the_events_of_the_whole_file(tmp_path, parts, name, n, chunk, lifecycle):
    path = write_log(tmp_path / name)
    expected = whole(path, lifecycle)
    cut = parts(n, chunk)
    got = read_xes(path, lifecycle=lifecycle)
    assert cut == [True]  # read in parts, not whole again
    assert got.events.equals(expected.events)
    assert got.left_out == expected.left_out
    assert got.events.height == (72 if lifecycle == "all" else 48)
    assert got.events["case:concept:name"].n_unique() == 24


def test_the_hand_written_order_log_in_parts(tmp_path, parts):
    for lifecycle in ("complete", "all"):
        expected = whole(FIXTURES / "orders.xes", lifecycle)
        parts(2, 211)
        assert read_xes(FIXTURES / "orders.xes", lifecycle=lifecycle).events.equals(expected.events)


def test_a_trace_tag_inside_a_comment_is_not_a_cut(tmp_path, parts):
    """After a comment, nothing more is cut (its text may hold "<trace"); one before the
    first trace is part of the header every part starts with."""
    path = write_log(tmp_path / "claims.xes", middle="  <!-- moved: <trace> claim-x </trace> -->\n")
    early = tmp_path / "early.xes"
    early.write_text(path.read_text().replace("<log ", "<!-- old: <trace> --><log ", 1))
    expected = [whole(path), whole(early)]
    cut = parts(3, 53)
    assert read_xes(path).events.equals(expected[0].events)
    assert read_xes(early).events.equals(expected[1].events)
    assert expected[1].events.height == 48
    assert cut == [True, True]  # cut before the comment; after the header's comment


def test_values_of_two_types_in_two_parts_are_read_as_written(tmp_path, parts):
    """One part reads ``size`` as whole numbers, the other as fractions: the whole file's
    parse would have said so, and its values are read as written (not ``3.0``)."""
    path = tmp_path / "mixed.xes"
    ints = TRACE.replace('<int key="pages"', '<int key="size"')
    floats = TRACE.replace('<int key="pages" value="{n}"', '<float key="size" value="0.{n}"')
    body = [ints.format(n=n, channel="web", day=1, urgent="true") for n in range(4)]
    body += [floats.format(n=n, channel="web", day=2, urgent="false") for n in range(4, 8)]
    path.write_text(HEADER + "".join(body) + "</log>\n")
    expected = whole(path)
    cut = parts(2, 101)
    got = read_xes(path)
    assert cut == [True]
    assert got.events.equals(expected.events)
    assert got.events["size"].drop_nulls().to_list() == [
        "0",
        "1",
        "2",
        "3",
        "0.4",
        "0.5",
        "0.6",
        "0.7",
    ]


def test_a_cut_off_or_damaged_file_in_parts_is_refused_as_whole(tmp_path, parts):
    path = write_log(tmp_path / "claims.xes.gz")
    packed = path.read_bytes()
    parts(2, 97)
    path.write_bytes(packed[:-100])
    with pytest.raises(IngestError, match="claims.xes.gz: .*(ends early|ended before)"):
        read_xes(path)
    path.write_bytes(packed[:300] + bytes(64) + packed[364:])
    with pytest.raises(IngestError, match="claims.xes.gz: not readable|cut off"):
        read_xes(path)
    text = gzip.decompress(packed).decode()
    plain = tmp_path / "claims.xes"
    plain.write_text(text[: int(len(text) * 0.8)])
    with pytest.raises(IngestError, match="does not end with </log>"):
        read_xes(plain)


def test_a_part_that_does_not_parse_leaves_the_error_to_the_whole_file(tmp_path, parts):
    path = write_log(tmp_path / "claims.xes", middle="  <trace><event></trace>\n")
    with pytest.raises(IngestError) as as_whole:
        whole(path)
    cut = parts(2, 97)
    with pytest.raises(IngestError) as in_parts:
        read_xes(path)
    assert str(in_parts.value) == str(as_whole.value)
    assert cut == [False]


def test_a_small_file_or_one_core_is_parsed_whole(tmp_path, monkeypatch):
    path = write_log(tmp_path / "claims.xes")
    assert xes_parts.parts_for(path) == 1  # far under PART_BYTES
    monkeypatch.setattr(xes_parts, "PART_BYTES", 1024)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert xes_parts.parts_for(path) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert xes_parts.parts_for(path) == 4
    packed = write_log(tmp_path / "claims.xes.gz")  # the trailer's inflated size, not the file's
    assert xes_parts.parts_for(packed) == 4 > packed.stat().st_size // 1024


@pytest.mark.parametrize("name", ["claims.xes", "claims.xes.gz"])
def test_a_file_is_cut_in_even_shares_of_its_inflated_bytes(tmp_path, monkeypatch, name):
    """Each part holds its share of the XES as inflated, however far ahead of the bytes handed
    on the inflater has read the file on disk (ISA-L reads 512 KiB at a time: all of this
    file's 30 kB at once, which made the first part one trace long)."""
    path = write_log(tmp_path / name, traces=2000)
    monkeypatch.setattr(xes_parts, "CHUNK", 4096)

    class Child:
        def send(self, part: Path, out: Path) -> None:
            pass

    cutter = xes_parts._Cutter(tmp_path, 2, [Child()], lead=0.0)
    with xes_parts._inflated(path) as (stream, progress):
        cutter.run(stream, progress)
    sizes = [part.stat().st_size for part in cutter.files]
    assert len(sizes) == 2
    assert abs(sizes[0] - sizes[1]) < 0.05 * sum(sizes), sizes


def test_no_room_for_the_parts_parses_the_file_whole(tmp_path, parts, monkeypatch):
    path = write_log(tmp_path / "claims.xes.gz")
    expected = whole(path)
    cut = parts(2, 97)

    def full(self, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xes_parts._Cutter, "_write", full)
    assert read_xes(path).events.equals(expected.events)
    assert cut == [False]


def test_children_started_early_parse_the_parts_and_the_rest_end_with_the_process(
    tmp_path, parts, monkeypatch: pytest.MonkeyPatch
):
    """``prestart`` (the commands call it before loading their libraries) starts the children
    of a large XES file and cuts the file for them at once; the parse takes those parts and
    children instead of cutting and starting its own, and gives the events of the file parsed
    whole. Another file's name starts none; children and parts no parse takes end with the
    process (``_stop_warm``, registered at exit)."""
    path = write_log(tmp_path / "claims.xes.gz")
    expected = whole(path)
    cut = parts(3)  # parts_for gives 3 from now on: two children
    monkeypatch.setattr(xes_parts, "_WARM", [])
    monkeypatch.setattr(xes_parts, "_PRECUT", [])
    xes_parts.prestart(tmp_path / "claims.csv")
    assert xes_parts._WARM == [] and xes_parts._PRECUT == []
    xes_parts.prestart(path)
    (early,) = xes_parts._PRECUT
    assert len(early.files) == 3 and len(early.children) == 2 and xes_parts._WARM == []
    assert all(child.out is not None for child in early.children)  # their parts sent
    started, cutters = [], []
    monkeypatch.setattr(xes_parts._Child, "start", classmethod(lambda cls: started.append(1)))
    monkeypatch.setattr(xes_parts._Cutter, "run", lambda *args: cutters.append(1))
    assert read_xes(path).events.equals(expected.events)
    assert cut == [True] and started == [] and cutters == []  # the early parts, nothing more
    assert xes_parts._PRECUT == [] and not Path(early.folder.name).exists()
    # each answered, and ends by itself (a thread waits for it: Child.stop)
    assert all(child.process.wait(timeout=60) == 0 for child in early.children)
    monkeypatch.undo()
    monkeypatch.setattr(xes_parts, "_WARM", [])
    monkeypatch.setattr(xes_parts, "_PRECUT", [])
    monkeypatch.setattr(xes_parts, "parts_for", lambda path: 2)
    xes_parts.prestart(path)
    (left,) = xes_parts._PRECUT
    xes_parts._stop_warm()
    assert xes_parts._PRECUT == [] and left.children[0].process.poll() is not None
    assert not Path(left.folder.name).exists()


def test_a_file_prestart_cannot_cut_leaves_its_children_to_the_parse(
    tmp_path, parts, monkeypatch: pytest.MonkeyPatch
):
    """A file with markup after its first trace (a comment that could hide a ``<trace``) is not
    cut early either: the children stay started, and the parse takes them for the whole file."""
    path = write_log(tmp_path / "claims.xes", middle="  <!-- <trace> -->\n")
    expected = whole(path)
    cut = parts(2)
    monkeypatch.setattr(xes_parts, "_WARM", [])
    monkeypatch.setattr(xes_parts, "_PRECUT", [])
    xes_parts.prestart(path)
    assert xes_parts._PRECUT == [] and len(xes_parts._WARM) == 1
    assert read_xes(path).events.equals(expected.events)
    assert cut == [False]  # parsed whole
    xes_parts._stop_warm()


def test_a_child_that_answered_is_not_waited_for(tmp_path):
    """The parse reads a child's answer, one line, and goes on: it does not wait for the end of
    the pipe, which comes only once the exiting child's memory is unmapped (tens of ms for a
    large part). A child that answered and still runs (here: until its input ends) gives its
    events at once, and ``stop`` leaves its end to a thread of its own."""
    events = pl.DataFrame({"concept:name": ["Submit", "Assess"], "n": [1, 2]})
    out = tmp_path / "part0.arrow"
    events.write_ipc(out)
    answers_then_waits = 'import sys; print(\'{"said": ""}\', flush=True); sys.stdin.read()'
    process = subprocess.Popen(
        [sys.executable, "-c", answers_then_waits], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    child = xes_parts._Child(process)
    child.out = out
    found: list[pl.DataFrame | None] = []
    reading = threading.Thread(target=lambda: found.append(child.result([])), daemon=True)
    reading.start()
    reading.join(timeout=60)  # a guard: the old read to the end of the pipe never returned
    assert found and found[0] is not None and found[0].equals(events)
    assert process.poll() is None  # it still runs: nothing waited for it
    child.stop()  # its input closed: it ends, and a thread waits for it
    assert process.wait(timeout=60) == 0


def test_a_child_that_ends_without_answering_gives_no_events(tmp_path):
    """A child that ends before it answers (killed, out of memory) gives no events: the whole
    file's parse then says what is wrong with the file."""
    out = tmp_path / "part0.arrow"
    pl.DataFrame({"a": [1]}).write_ipc(out)
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.exit(3)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    child = xes_parts._Child(process)
    child.out = out
    assert child.result([]) is None
    child.stop()
    assert process.returncode == 3


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD: Linux only")
def test_a_child_parses_with_mimalloc_unless_something_is_preloaded(monkeypatch):
    """A child parses with mimalloc preloaded (glibc's allocator was a fifth of rustxes' parse)
    and counts as faster than this process; where ``LD_PRELOAD`` is set (the ``journeys``
    command's own mimalloc, or a user's preload) the child inherits it and is not counted
    faster."""
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    child = xes_parts._Child.start()
    child.stop()
    assert child.fast
    monkeypatch.setenv("LD_PRELOAD", "libsomething.so")
    child = xes_parts._Child.start()  # it inherits this environment
    child.stop()
    assert not child.fast


@pytest.mark.parametrize("fast", [True, False])
def test_a_child_that_parses_faster_takes_the_larger_part(tmp_path, parts, monkeypatch, fast):
    """Cut for one child that parses with mimalloc (``FAST_CHILD`` times this process's
    speed), the child's part holds that many times this process's bytes; one that parses with
    the system's allocator gets an even share and the lead for its head start (capped at 1.5
    shares on a file this small)."""
    monkeypatch.delenv("LD_PRELOAD", raising=False)  # a preload of the suite's runner
    path = write_log(tmp_path / "claims.xes.gz", traces=2000)
    expected = whole(path)
    parts(2, 4096)
    monkeypatch.setattr(xes_parts, "_WARM", [])
    monkeypatch.setattr(xes_parts, "_PRECUT", [])
    if not fast:
        monkeypatch.setattr(xes_parts, "preloaded", lambda: None)
    xes_parts.prestart(path)
    (early,) = xes_parts._PRECUT
    assert [child.fast for child in early.children] == [fast]
    child_part, own_part = (part.stat().st_size for part in early.files)
    ratio = xes_parts.FAST_CHILD if fast else 3.0  # 1.5 shares against half a share
    assert abs(child_part / own_part - ratio) < 0.05 * ratio, (child_part, own_part)
    assert read_xes(path).events.equals(expected.events)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD: Linux only")
@pytest.mark.parametrize("early", [True, False])
def test_a_large_file_goes_to_children_whole(tmp_path, parts, monkeypatch, early):
    """From ``EVERY_PART_BYTES`` on, every part goes to a child that parses with mimalloc, in
    even shares, and this process parses none (its rustxes is never called); the parts' events
    are the file's, whether ``prestart`` cut the file or the parse did."""
    monkeypatch.delenv("LD_PRELOAD", raising=False)  # a preload of the suite's runner
    path = write_log(tmp_path / "claims.xes.gz", traces=2000)
    expected = whole(path)
    cut = parts(2, 4096)
    monkeypatch.setattr(xes_parts, "_WARM", [])
    monkeypatch.setattr(xes_parts, "_PRECUT", [])
    monkeypatch.setattr(xes_parts, "EVERY_PART_BYTES", 1)
    if early:
        xes_parts.prestart(path)
        (precut,) = xes_parts._PRECUT
        assert len(precut.files) == len(precut.children) == 2
        assert all(child.out is not None and child.fast for child in precut.children)
        first, last = (part.stat().st_size for part in precut.files)
        assert abs(first - last) < 0.05 * (first + last), (first, last)
    import rustxes

    def not_here(*args, **kwargs):
        raise AssertionError("this process parsed a part")

    monkeypatch.setattr(rustxes, "import_xes", not_here)
    assert read_xes(path).events.equals(expected.events)
    assert cut == [True] and xes_parts._PRECUT == []
