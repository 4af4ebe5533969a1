"""XES through rustxes: standard keys, lifecycle, nested lists, and files it would misread."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import polars as pl
import pytest

from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.eventlog import import_log
from journeys.ingest.xes import read_xes
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures"

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="2.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="A-1"/>
    <event>
      <list key="approvals">
        <values>
          <string key="concept:name" value="Manager approval"/>
          <string key="concept:name" value="Director approval"/>
        </values>
      </list>
      <string key="concept:name" value="Approve invoice"/>
      <date key="time:timestamp" value="2024-02-01T10:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Pay invoice"/>
      <date key="time:timestamp" value="2024-02-02T10:00:00.000+01:00"/>
    </event>
  </trace>
</log>
"""

NAIVE = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="N-1"/>
    <event><string key="concept:name" value="Open"/>
      <date key="time:timestamp" value="2024-07-01T09:00:00"/></event>
  </trace>
</log>
"""


def test_a_nested_list_holding_concept_name_is_not_the_activity(tmp_path: Path):
    """#23: the hand-written reader took the list's concept:name as the event's activity."""
    path = tmp_path / "invoices.xes"
    path.write_text(NESTED)
    events = read_xes(path).events
    assert events["concept:name"].to_list() == ["Approve invoice", "Pay invoice"]
    # kept as an attribute, its values as JSON: rustxes writes a list as Rust debug text
    # ([Attribute { key: "concept:name", value: String("Manager approval"), ... }]) and says
    # nothing, so the file is read with the standard library's parser
    assert events["approvals"].to_list() == ['["Manager approval", "Director approval"]', None]


def test_lifecycle_complete_keeps_the_complete_events(tmp_path: Path):
    log = read_xes(FIXTURES / "orders.xes")
    assert (log.events.height, log.left_out) == (37, 37)
    assert set(log.events["lifecycle:transition"]) == {"complete"}
    everything = read_xes(FIXTURES / "orders.xes", lifecycle="all")
    assert (everything.events.height, everything.left_out) == (74, 0)
    # the column order is fixed (rustxes' own order changes between runs)
    assert everything.events.columns[:4] == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "lifecycle:transition",
    ]
    assert everything.events.columns[4:] == sorted(everything.events.columns[4:])


@pytest.mark.parametrize(
    ("transitions", "kept", "named"),
    [
        (["complete", None, "complete"], 3, ["a", "b", "c"]),  # as written: the frame as is
        ([" Complete ", "start", "COMPLETE"], 2, ["a", "b (start)", "c"]),  # trimmed, any case
    ],
)
def test_the_lifecycle_filter_reads_transitions_trimmed_in_any_case(
    transitions: list[str | None], kept: int, named: list[str]
):
    from journeys.ingest.xes import _lifecycle

    frame = pl.DataFrame(
        {"concept:name": ["a", "b", "c"], "lifecycle:transition": transitions},
        schema={"concept:name": pl.String, "lifecycle:transition": pl.String},
    )
    complete, left_out, _ = _lifecycle(frame, "complete")
    assert (complete.height, left_out) == (kept, 3 - kept)
    assert _lifecycle(frame, "all")[0]["concept:name"].to_list() == named


def test_naive_xes_timestamps_are_local_in_the_timezone(wh: Warehouse, tmp_path: Path):
    path = tmp_path / "naive.xes"
    path.write_text(NAIVE)
    assert read_xes(path).naive_timestamps
    result = import_log(wh, Settings(), path, timezone="Europe/Amsterdam")
    assert result.naive_timestamps == 1 and "no offset" not in result.summary()
    row = wh.read_table("raw.log").row(0, named=True)
    assert str(row["occurred_at_utc"]) == "2024-07-01 07:00:00+00:00"


def test_a_timestamp_xes_does_not_allow_is_blamed_on_the_export_not_on_a_flag(
    wh: Warehouse, tmp_path: Path
):
    """A tool that writes a day-first date into time:timestamp: the reason offered
    --date-format '%d/%m/%Y %H:%M', which import-log then refuses for XES (its standard writes
    ISO-8601 only), sending the user round in a circle."""
    path = tmp_path / "dayfirst.xes"
    path.write_text(NAIVE.replace("2024-07-01T09:00:00", "25/03/2026 10:00"))
    result = import_log(wh, Settings(), path)
    assert result.reasons == (
        (
            "the timestamp is not ISO-8601, which XES requires (e.g. "
            "2026-03-25T09:00:00.000+01:00); fix it in the tool that exported the log",
            1,
        ),
    )
    assert "--date-format" not in result.summary()


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (lambda text: text[: text.index("</trace>") + 8], "does not end with </log>"),
        (lambda text: text[: len(text) // 2], "does not end with </log>"),
    ],
)
def test_a_cut_off_xes_is_refused_not_read_in_part(tmp_path: Path, cut, message):
    text = (FIXTURES / "orders.xes").read_text()
    path = tmp_path / "orders.xes"
    path.write_text(cut(text))
    with pytest.raises(IngestError, match=message):
        read_xes(path)
    packed = tmp_path / "orders.xes.gz"
    packed.write_bytes(gzip.compress(text.encode())[:-100])
    with pytest.raises(IngestError, match="cut off|ended before"):
        read_xes(packed)
    # a complete gzip stream of the cut text: rustxes reads it without a word; the end of the
    # inflated stream (a child process, beside the parse) tells
    packed.write_bytes(gzip.compress(cut(text).encode()))
    with pytest.raises(IngestError, match=message):
        read_xes(packed)
    whole = gzip.compress(text.encode())
    packed.write_bytes(whole[:200] + bytes(64) + whole[264:])  # damaged inside the stream
    with pytest.raises(IngestError, match="orders.xes.gz: not readable|cut off"):
        read_xes(packed)


def test_not_xes_is_refused_with_the_fix(tmp_path: Path):
    path = tmp_path / "orders.xes"
    shutil.copy(FIXTURES / "orders.ocel.json", path)
    with pytest.raises(IngestError, match="not an XES log"):
        read_xes(path)


def test_a_converted_log_is_recognised_when_it_comes_again(wh: Warehouse, tmp_path: Path):
    path = tmp_path / "orders.xes.gz"
    path.write_bytes(gzip.compress((FIXTURES / "orders.xes").read_bytes()))
    first = import_log(wh, Settings(), path)
    again = import_log(wh, Settings(), path)
    assert again.batch.skipped and again.batch.batch_id == first.batch.batch_id
    assert "already loaded" in again.summary()
    manifest = wh.read_table("raw.manifest")
    assert manifest["file"].to_list() == [str(path.resolve())]
    # the same log in another order and under another name: every event is a duplicate
    text = (FIXTURES / "orders.xes").read_text()
    head, rest = text.split("  <trace>", 1)
    traces = ["  <trace>" + t for t in rest.split("  <trace>")]
    traces[-1], tail = traces[-1].split("</log>")[0], "</log>\n"
    reordered = tmp_path / "orders-again.xes"
    reordered.write_text(head + "".join(reversed(traces)) + tail)
    copy = import_log(wh, Settings(), reordered)
    assert (copy.batch.rows_read, copy.batch.rows_accepted, copy.batch.duplicates) == (37, 0, 37)


MISREAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849.2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <trace>
    <int key="concept:name" value="5"/>
    <event>
      <string key="concept:name" value="Register"/>
      <date key="time:timestamp" value="2026-03-25T09:00:00.000+0100"/>
      <container key="meta"><string key="channel" value="phone"/></container>
    </event>
    <event>
      <string key="concept:name" value="Check"/>
      <date key="time:timestamp" value="2026-03-25T10:00:00.123+01:00"/>
      <float key="cost" value="1.5"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="6"/>
    <event><string key="concept:name" value="Register"/>
      <date key="time:timestamp" value="2026-03-25T11:00:00Z"/></event>
  </trace>
</log>
"""


def test_values_rustxes_misreads_are_read_as_written(wh: Warehouse, tmp_path: Path):
    """An offset written +0100 (Java's SimpleDateFormat): rustxes left that time empty and the
    event was rejected; an int trace name beside a string one: rustxes wrote every case id as
    debug text, '"6"' with its quotes. Such a file is read with the standard library's parser,
    every value as written: all three events, the right instants and case ids."""
    path = tmp_path / "java.xes.gz"
    path.write_bytes(gzip.compress(MISREAD.encode()))
    frame = read_xes(path).events
    assert frame["case:concept:name"].to_list() == ["5", "5", "6"]
    assert frame["time:timestamp"].to_list()[0] == "2026-03-25T09:00:00.000+0100"
    assert frame["meta"].to_list()[0] == '{"channel": "phone"}'
    result = import_log(wh, Settings(), path)
    assert (result.batch.rows_accepted, result.batch.rows_rejected, result.cases) == (3, 0, 2)
    log = wh.read_table("raw.log").sort("occurred_at_utc")
    assert [str(t) for t in log["occurred_at_utc"]] == [
        "2026-03-25 08:00:00+00:00",
        "2026-03-25 09:00:00.123000+00:00",
        "2026-03-25 11:00:00+00:00",
    ]


def test_both_xes_readers_give_the_same_events():
    """The standard library's reader and rustxes agree on a file rustxes reads well: the same
    events in the same order, the same cases, activities, transitions, resources and trace
    attributes (timestamps: the same instants, written differently)."""
    from journeys.ingest.xes import _as_text, _lifecycle
    from journeys.ingest.xes_plain import read_plain

    fast = read_xes(FIXTURES / "orders.xes", lifecycle="all").events
    plain = _as_text(_lifecycle(read_plain(FIXTURES / "orders.xes"), "all")[0], naive=False)
    assert plain.height == fast.height > 0
    same = ["case:concept:name", "concept:name", "lifecycle:transition", "org:resource"]
    same += ["case:region"]
    assert plain.select(same).equals(fast.select(same))
    instants = [pl.col("time:timestamp").str.to_datetime(time_zone="UTC", time_unit="us")]
    assert plain.select(instants).equals(fast.select(instants))


EMPTY_TRACES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="c1"/>
    <event><string key="concept:name" value="A"/>
      <date key="time:timestamp" value="2024-03-04T09:00:00.000+01:00"/></event>
  </trace>
  <trace/>
  <trace><string key="concept:name" value="filtered-out"/></trace>
  <trace><string key="concept:name" value="c2"/>
    <event><string key="concept:name" value="B"/>
      <date key="time:timestamp" value="2024-03-04T10:00:00.000+01:00"/></event>
  </trace>
</log>
"""


def test_an_empty_trace_is_read_as_no_events(tmp_path: Path):
    """A trace without events, written ``<trace/>`` (a filter in ProM leaves such traces):
    rustxes panics on it (MissingLastTrace), pm4py reads it; the file is read as written."""
    path = tmp_path / "filtered.xes"
    path.write_text(EMPTY_TRACES)
    events = read_xes(path).events
    assert events["case:concept:name"].to_list() == ["c1", "c2"]
    assert events["concept:name"].to_list() == ["A", "B"]


def test_a_malformed_xes_is_refused_naming_where(tmp_path: Path):
    path = tmp_path / "broken.xes"
    path.write_text(EMPTY_TRACES.replace('value="B"/>', 'value="B">'))
    with pytest.raises(
        IngestError, match=r"broken.xes: not a readable XES file \(mismatched tag: line 11"
    ):
        read_xes(path)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_xes_is_read_as_written(tmp_path: Path, codec: str):
    """Some Windows tools write XES in UTF-16 with a byte-order mark: rustxes reads UTF-8 only
    (it found no <log>) and the file was refused as "not an XES log"."""
    text = (FIXTURES / "orders.xes").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    mark = "\ufeff".encode(codec)
    expected = read_xes(FIXTURES / "orders.xes", lifecycle="all").events
    path = tmp_path / "orders.xes"
    path.write_bytes(mark + text.encode(codec))
    got = read_xes(path, lifecycle="all").events
    assert got.height == expected.height == 74
    same = ["case:concept:name", "concept:name", "lifecycle:transition", "org:resource"]
    assert got.select(same).equals(expected.select(same))
    packed = tmp_path / "orders.xes.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert read_xes(packed, lifecycle="all").events.select(same).equals(expected.select(same))
    path.write_bytes(mark + text[: text.rindex("</trace>")].encode(codec))
    with pytest.raises(IngestError, match="orders.xes: the XES file does not end with </log>"):
        read_xes(path)


def test_a_log_whose_lifecycle_is_its_own_keeps_every_event_named_by_its_transition(
    tmp_path: Path,
):
    """BPI Challenge 2013 writes a ticket's status as lifecycle:transition (In Progress,
    Awaiting Assignment, Closed): no event is 'complete', so --lifecycle complete left every
    event out and import-log loaded nothing (0 read, rc 0, then "marts.journeys is empty")."""
    log = read_xes(FIXTURES / "incidents.xes")
    assert (log.events.height, log.left_out) == (6, 0)
    assert log.own_transitions == ("closed", "in progress", "awaiting assignment", "wait")
    assert log.events["concept:name"].to_list() == [
        "Accepted (in progress)",
        "Queued (awaiting assignment)",
        "Accepted (in progress)",
        "Completed (closed)",
        "Accepted (wait)",
        "Completed (closed)",
    ]
    everything = read_xes(FIXTURES / "incidents.xes", lifecycle="all")
    assert everything.events.equals(log.events) and everything.own_transitions == ()
    # a log with one complete event keeps only it, as before
    one = tmp_path / "one.xes"
    one.write_text((FIXTURES / "incidents.xes").read_text().replace('"Wait"', '"complete"', 1))
    assert read_xes(one).events["concept:name"].to_list() == ["Accepted"]


def test_a_bare_log_root_with_a_long_header_is_xes(tmp_path: Path):
    """pm4py writes ``<log>`` without the standard's namespace or version, then its metadata
    (the road-traffic log of its tests: 1,239 lines, 64 KB before the first trace): the file
    was refused as "not an XES log" because neither 'xes' nor '<trace' was in its first 64 KB."""
    text = (FIXTURES / "orders.xes").read_text()
    start = text.index("<log")
    body = text[text.index(">", start) + 1 :]
    meta = "".join(
        f'  <int key="meta_concept:named_events_{i}" value="{i}"/>\n' for i in range(2000)
    )
    path = tmp_path / "fines.xes"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<!-- exported -->\n<log>\n" + meta + body
    )
    assert len(path.read_bytes()[: 1 << 16].split(b"<trace")) == 1  # no trace in the head
    assert read_xes(path).events.equals(read_xes(FIXTURES / "orders.xes").events)
    path.write_text("<?xml version='1.0'?>\n<catalog><log>not a log</log></catalog>\n")
    with pytest.raises(IngestError, match="fines.xes: not an XES log"):
        read_xes(path)
