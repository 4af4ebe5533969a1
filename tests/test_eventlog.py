"""import-log: any event log becomes journeys; the help-desk log gives the reference figures."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from journeys.build import build_events
from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.contracts import detect_format
from journeys.ingest.eventlog import import_log
from journeys.ingest.logguess import likely_columns
from journeys.ingest.xes import read_xes
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures"

XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="NA"/>
    <event><string key="concept:name" value="Open"/>
      <date key="time:timestamp" value="2024-01-01T10:00:00.000+01:00"/></event>
    <event><string key="concept:name" value="Close"/>
      <date key="time:timestamp" value="2024-01-01T11:00:00.000+01:00"/></event>
  </trace>
  <trace><string key="concept:name" value="null"/>
    <event><string key="concept:name" value="Open"/>
      <date key="time:timestamp" value="2024-01-02T10:00:00.000+00:00"/></event>
  </trace>
</log>
"""


def test_helpdesk_reference_figures(wh: Warehouse, helpdesk_csv: Path):
    result = import_log(
        wh,
        Settings(),
        helpdesk_csv,
        case_col="case_id",
        activity_col="activity",
        timestamp_col="timestamp",
    )
    assert (result.batch.rows_accepted, result.cases, result.activities) == (21348, 4580, 14)
    build_events(wh, Settings())
    events = wh.read_table("intermediate.int_events").sort("case_id", "occurred_at", "seq")
    assert events.height == 21348
    assert events["case_id"].n_unique() == 4580
    assert str(events["occurred_at"].min()) == "2010-01-13 08:40:25+00:00"
    assert str(events["occurred_at"].max()) == "2014-01-03 13:20:58+00:00"
    # Ordering rule: equal timestamps keep file order, so the 130 same-time arcs keep it too.
    arcs = events.with_columns(
        pl.col("touchpoint").shift(-1).over("case_id").alias("next"),
        pl.col("occurred_at").shift(-1).over("case_id").alias("next_at"),
    ).filter(pl.col("next").is_not_null())
    assert arcs.height == 16768
    assert arcs.filter(pl.col("next_at") == pl.col("occurred_at")).height == 130
    file_order = pl.read_csv(helpdesk_csv, infer_schema=False).with_row_index("row")
    # seq is the arrival order: file number * 1e9 + the line (the header is line 1)
    joined = events.with_columns((pl.col("seq") % 1_000_000_000 - 2).alias("row")).join(
        file_order.select(pl.col("row").cast(pl.Int64), pl.col("case_id").alias("file_case")),
        on="row",
    )
    assert (joined["case_id"] == joined["file_case"]).all()
    assert joined.height == 21348
    # within each case, rows with the same timestamp appear in file order
    ties = joined.sort("case_id", "occurred_at", "seq").with_columns(
        (pl.col("row").diff().over("case_id", "occurred_at")).alias("step")
    )
    assert ties.filter(pl.col("step") < 0).height == 0


def test_xes_and_case_ids_that_look_missing(wh: Warehouse, tmp_path: Path):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(XES.encode()))
    frame = read_xes(path).events
    assert frame.height == 3 and frame["case:concept:name"].to_list() == ["NA", "NA", "null"]
    result = import_log(
        wh,
        Settings(),
        path,
        case_col="case:concept:name",
        activity_col="concept:name",
        timestamp_col="time:timestamp",
    )
    assert (result.cases, result.activities) == (2, 2)
    assert "2 cases, 2 activities" in result.summary()
    build_events(wh, Settings())
    cases = wh.read_table("intermediate.int_events")["case_id"].unique().sort().to_list()
    assert cases == ["NA", "null"]


def test_an_xes_log_is_hashed_once_per_import(wh: Warehouse, tmp_path: Path, monkeypatch):
    """A log never imported is hashed once, while it is read (not also to look for an earlier
    batch, which a path never recorded cannot have); imported again unchanged, once, and
    skipped; changed at the same path, loaded again."""
    from journeys.ingest import eventlog, hashing

    hashed: list[Path] = []
    real = hashing.file_hash

    def counted(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(hashing, "file_hash", counted)
    monkeypatch.setattr(eventlog, "file_hash", counted, raising=False)  # a name of its own
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(XES.encode()))
    columns = {"case_col": "case:concept:name", "activity_col": "concept:name"}
    first = import_log(wh, Settings(), path, timestamp_col="time:timestamp", **columns)
    assert not first.batch.skipped and hashed == [path.resolve()]
    again = import_log(wh, Settings(), path, timestamp_col="time:timestamp", **columns)
    assert again.batch.skipped and again.batch.batch_id == first.batch.batch_id
    assert hashed == [path.resolve()] * 2
    path.write_bytes(gzip.compress(XES.replace("Close", "Closed").encode()))
    changed = import_log(wh, Settings(), path, timestamp_col="time:timestamp", **columns)
    assert not changed.batch.skipped and changed.batch.batch_id != first.batch.batch_id


MISSING_TIME_XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
<trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="Register"/>
<date key="time:timestamp" value="2026-03-25T09:00:00+01:00"/></event>
<event><string key="concept:name" value="Check"/></event>
</trace>
</log>
"""


def test_an_event_without_a_time_says_so(wh: Warehouse, tmp_path: Path):
    """An XES event without time:timestamp, a JSONL line without the key, a CSV row with an
    empty cell: each is rejected as having no time, not as "not a timestamp; pass
    --date-format" (which XES refuses and no layout would fix)."""
    xes = tmp_path / "log.xes"
    xes.write_text(MISSING_TIME_XES)
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text('{"c":"A","a":"Open","t":"2026-03-25T09:00:00Z"}\n{"c":"A","a":"Close"}\n')
    csv = tmp_path / "log.csv"
    csv.write_text("c,a,t\nB,Open,2026-03-25T09:00:00Z\nB,Close,\n")
    flags = {"case_col": "c", "activity_col": "a", "timestamp_col": "t"}
    for path, columns in ((xes, {}), (jsonl, flags), (csv, flags)):
        result = import_log(wh, Settings(), path, **columns)
        assert (result.batch.rows_accepted, result.batch.rows_rejected) == (1, 1), path.name
        assert result.reasons == (("the timestamp is empty; every event needs its time", 1),)


def test_empty_case_id_is_a_value(wh: Warehouse, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text(
        "case,act,ts\n,A,2024-01-01T00:00:00Z\n,B,2024-01-01T00:01:00Z\nx,A,2024-01-01T00:00:00Z\n"
    )
    result = import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts"
    )
    assert result.batch.rows_accepted == 3 and result.cases == 2


def test_missing_log_column_names_the_fix(wh: Warehouse, tmp_path: Path):
    path = tmp_path / "log.csv"
    path.write_text("case,act,ts\nx,A,2024-01-01T00:00:00Z\n")
    with pytest.raises(IngestError, match="missing column.*activity.*--activity-col"):
        import_log(
            wh, Settings(), path, case_col="case", activity_col="activity", timestamp_col="ts"
        )


def _marts(wh: Warehouse) -> dict[str, pl.DataFrame]:
    from journeys.build import build_warehouse

    build_warehouse(wh, Settings())
    return {
        "events": wh.read_table("marts.events").drop("seq").sort("event_id"),
        "journeys": wh.read_table("marts.journeys").sort("journey_id"),
        "variants": wh.read_table("marts.variants").sort("variant_id"),
        "transitions": wh.read_table("marts.transitions").sort("from_touchpoint", "to_touchpoint"),
    }


def test_reimporting_a_shuffled_copy_changes_nothing(wh: Warehouse, helpdesk_csv: Path, tmp_path):
    columns = {"case_col": "case_id", "activity_col": "activity", "timestamp_col": "timestamp"}
    first = import_log(wh, Settings(), helpdesk_csv, **columns)
    before = _marts(wh)
    shuffled = tmp_path / "helpdesk-export-again.csv"
    pl.read_csv(helpdesk_csv, infer_schema=False).sample(
        fraction=1.0, shuffle=True, seed=3
    ).write_csv(shuffled)
    again = import_log(wh, Settings(), shuffled, **columns)
    assert (again.batch.rows_read, again.batch.rows_accepted, again.batch.duplicates) == (
        first.batch.rows_accepted,
        0,
        first.batch.rows_accepted,
    )
    after = _marts(wh)
    for name, frame in before.items():
        assert after[name].equals(frame), name


def test_second_file_events_are_not_duplicates_of_the_first_files_lines(wh: Warehouse, tmp_path):
    """#23: the key was case#line, so Resolve on line 2 of a second file was 'a duplicate' of
    Open on line 2 of the first."""
    one, two = tmp_path / "monday.csv", tmp_path / "tuesday.csv"
    one.write_text("case,act,ts\nT-1,Open,2024-01-01T09:00:00Z\nT-1,Assign,2024-01-01T10:00:00Z\n")
    two.write_text(
        "case,act,ts\nT-1,Resolve,2024-01-02T09:00:00Z\nT-1,Assign,2024-01-01T10:00:00Z\n"
    )
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    import_log(wh, Settings(), one, **columns)
    second = import_log(wh, Settings(), two, **columns)
    # Resolve is new; the repeated Assign (same case, activity, instant) is the same event
    assert (second.batch.rows_accepted, second.batch.duplicates) == (1, 1)
    build_events(wh, Settings())
    activities = wh.read_table("intermediate.int_events").sort("occurred_at")["touchpoint"]
    assert activities.to_list() == ["Open", "Assign", "Resolve"]


def test_identical_rows_in_one_file_are_all_kept(wh: Warehouse, tmp_path):
    path = tmp_path / "scans.csv"
    path.write_text(
        "case,act,ts\nP-1,Scan,2024-01-01T09:00:00Z\nP-1,Pack,2024-01-01T09:05:00Z\n"
        "P-1,Scan,2024-01-01T09:00:00Z\nP-1,Scan,2024-01-01T09:00:00Z\n"
    )
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    result = import_log(wh, Settings(), path, **columns)
    assert (result.batch.rows_accepted, result.batch.duplicates) == (4, 0)
    # the same content is numbered in file order; a content seen once is its own first
    keys = wh._run("SELECT event_id, activity FROM raw.log ORDER BY _row_number")
    assert [(k.rpartition("-")[2], act) for k, act in keys] == [
        ("1", "Scan"),
        ("1", "Pack"),
        ("2", "Scan"),
        ("3", "Scan"),
    ]
    assert len({k.rpartition("-")[0] for k, act in keys if act == "Scan"}) == 1
    again = tmp_path / "scans-again.csv"
    lines = path.read_text().splitlines()
    again.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    second = import_log(wh, Settings(), again, **columns)
    assert (second.batch.rows_accepted, second.batch.duplicates) == (0, 4)


def test_event_id_column_keys_the_events(wh: Warehouse, tmp_path):
    one, two = tmp_path / "a.csv", tmp_path / "b.csv"
    one.write_text("id,case,act,ts\ne1,C,Open,2024-01-01T09:00:00Z\n")
    two.write_text("id,case,act,ts\ne1,C,Open again,2024-01-01T09:05:00Z\n")
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    import_log(wh, Settings(), one, event_id_col="id", **columns)
    second = import_log(wh, Settings(), two, event_id_col="id", **columns)
    assert second.batch.duplicates == 1  # the log's own id says it is the same event


def test_contact_case_ids_and_activities_never_reach_the_marts(wh: Warehouse, tmp_path):
    """#23: case ids that are emails or phone numbers landed in marts, examples and exports."""
    from journeys.build import build_warehouse
    from journeys.export import export_marts

    path = tmp_path / "contacts.csv"
    path.write_text(
        "case,act,ts\n"
        "jane.doe@example.com,Mail jane.doe@example.com,2024-01-01T09:00:00Z\n"
        "jane.doe@example.com,Reply,2024-01-01T10:00:00Z\n"
        "+31 6 1234 5678,Call +31 6 1234 5678,2024-01-01T09:00:00Z\n"
        "0031612345678,Call,2024-01-01T09:00:00Z\n"
        "173688,Open,2024-01-01T09:00:00Z\n"
        "0000123456,Open,2024-01-01T09:00:00Z\n"
    )
    result = import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts"
    )
    assert (
        result.contact_cases == 3 and "3 case ids are emails or phone numbers" in result.summary()
    )
    build_warehouse(wh, Settings())
    journeys = wh.read_table("marts.journeys")["journey_id"].to_list()
    assert sorted(j for j in journeys if not j.startswith("case_")) == ["0000123456", "173688"]
    touchpoints = set(wh.read_table("marts.touchpoints")["touchpoint"])
    assert {"Mail [email]", "Call [phone]"} <= touchpoints
    out = tmp_path / "export"
    export_marts(wh, out, fmt="parquet")
    files = list(out.rglob("*.parquet"))
    assert any("events" in str(f) for f in files)
    for file in files:
        text = str(pl.read_parquet(file).rows())
        assert "jane.doe" not in text and "1234 5678" not in text and "612345678" not in text
    # the hash is keyed: the same id in another batch is the same journey, another salt differs
    with Warehouse() as other:
        import_log(other, Settings(salt="another"), path, case_col="case", activity_col="act",
                   timestamp_col="ts")  # fmt: skip
        build_warehouse(other, Settings(salt="another"))
        assert set(other.read_table("marts.journeys")["journey_id"]).isdisjoint(
            {j for j in journeys if j.startswith("case_")}
        )


def test_personal_case_ids_hashes_every_case_id(wh: Warehouse, tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(
        "case,act,ts\nPAT-0042,Admit,2024-01-01T09:00:00Z\n173688,Admit,2024-01-01T09:00:00Z\n"
    )
    result = import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts",
        personal_case_ids=True,
    )  # fmt: skip
    assert "every case id is personal" in result.summary()
    build_events(wh, Settings())
    cases = wh.read_table("intermediate.int_events")["case_id"].to_list()
    assert len(set(cases)) == 2 and all(c.startswith("case_") for c in cases)


def test_staging_writes_only_the_events_it_changes_and_no_identifier(wh: Warehouse, tmp_path):
    """staging.stg_log is a view of raw.log; staging.stg_log_changes holds the hashed case ids
    and masked activities of the events that need them, never the delivered values: here a
    contact case id, an activity holding an email address, and a second batch imported with
    --personal-case-ids whose plain case id is hashed too; an activity with spaces around it
    is trimmed by the view."""
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    first, second = tmp_path / "desk.csv", tmp_path / "clinic.csv"
    first.write_text(
        "case,act,ts\n"
        "T-1,Open,2024-01-01T09:00:00Z\n"
        "T-1,Reply to ann@example.org,2024-01-01T10:00:00Z\n"
        "ann@example.org,Open,2024-01-01T09:30:00Z\n"
        "T-2,  Close  ,2024-01-01T11:00:00Z\n"
    )
    second.write_text("case,act,ts\nT-1,Admit,2024-01-02T09:00:00Z\n")
    import_log(wh, Settings(), first, **columns)
    import_log(wh, Settings(), second, personal_case_ids=True, **columns)
    build_events(wh, Settings())
    kind = wh._run(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = 'staging' "
        "AND table_name = 'stg_log'"
    )
    assert kind == [("VIEW",)]
    rows = wh._run("SELECT case_id, activity, seq FROM staging.stg_log ORDER BY seq")
    hashed = [case for case, _, _ in rows if case.startswith("case_")]
    assert [(case if not case.startswith("case_") else "#", act) for case, act, _ in rows] == [
        ("T-1", "Open"),
        ("T-1", "Reply to [email]"),
        ("#", "Open"),
        ("T-2", "Close"),
        ("#", "Admit"),
    ]
    assert len(set(hashed)) == 2  # the contact and the personal batch's T-1, not the plain T-1
    changes = wh._run("SELECT seq, case_id, activity FROM staging.stg_log_changes ORDER BY seq")
    # the spaced 'Close' is trimmed in the view itself: a row here per event of an export
    # whose names end in a space was a second copy of raw.log
    assert [seq for seq, _, _ in changes] == [rows[i][2] for i in (1, 2, 4)]
    assert "ann@example.org" not in str(changes) and "  Close  " not in str(changes)
    events = wh.read_table("intermediate.int_events").sort("seq")
    assert events["case_id"].to_list() == [case for case, _, _ in rows]


def test_timezone_reads_naive_timestamps_as_local(wh: Warehouse, tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("case,act,ts\nC,Open,2024-07-01 09:00:00\n")
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    plain = import_log(wh, Settings(), path, **columns)
    assert "1 timestamp has no offset and was read as UTC" in plain.summary()
    with Warehouse() as local:
        summary = import_log(local, Settings(), path, timezone="Europe/Amsterdam", **columns)
        assert "no offset" not in summary.summary()
        build_events(local, Settings())
        at = local.read_table("intermediate.int_events")["occurred_at"][0]
        assert str(at) == "2024-07-01 07:00:00+00:00"  # 09:00 summer time in Amsterdam


def test_timestamps_with_a_zone_are_neither_naive_nor_in_a_clock_change(wh: Warehouse, tmp_path):
    """A zone name or a bracketed zone (RFC 9557, Java's ZonedDateTime) fixes the instant: such
    times were counted as 'no offset, read as UTC', and read in Europe/Berlin as falling in the
    hour its clocks skipped. The naive one among them still is counted."""
    path = tmp_path / "zoned.csv"
    path.write_text(
        "case,act,ts\n"
        "C,Open,2024-03-31T02:30:00+02:00[Europe/Berlin]\n"
        "C,Work,2024-03-31T03:10:00[Europe/Berlin]\n"
        "C,Wait,2024-03-31 03:20:00 Europe/Berlin\n"
        "C,Done,2024-03-31 02:40:00\n"
    )
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    result = import_log(wh, Settings(), path, timezone="Europe/Berlin", **columns)
    assert result.batch.rows_accepted == 4 and result.naive_timestamps == 1
    assert result.clock_changes == (0, 1)  # 02:40 naive: the skipped hour, read as 03:40
    build_events(wh, Settings())
    times = wh.read_table("intermediate.int_events").sort("seq")["occurred_at"]
    assert [str(t) for t in times] == [
        "2024-03-31 00:30:00+00:00",  # the offset is the instant
        "2024-03-31 01:10:00+00:00",
        "2024-03-31 01:20:00+00:00",
        "2024-03-31 01:40:00+00:00",
    ]


def test_a_column_named_twice_in_the_header_is_not_chosen_silently(wh: Warehouse, tmp_path):
    """Two exports' columns side by side ('Status' from the ticket, 'status' from the
    workflow): --activity-col status took the first without a word. Refused, naming both and
    how each is read; naming the copy as it is read (status_1) chooses it."""
    path = tmp_path / "joined.csv"
    path.write_text(
        "case;Status;at;status\nT1;open;2024-01-01T09:00:00Z;New\nT1;open;2024-01-01T10:00:00Z;Triage\n"
    )
    columns = {"case_col": "case", "timestamp_col": "at"}
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path, activity_col="status", **columns)
    assert (
        "the header names 'Status' more than once, column 2 (read as 'Status') and column 4 "
        "(read as 'status_1'), so which one is the activity is not clear"
    ) in str(caught.value)
    assert wh.count("raw.log") == 0
    result = import_log(wh, Settings(), path, activity_col="status_1", **columns)
    assert result.batch.rows_accepted == 2
    log = wh.read_table("raw.log").sort("_seq")
    assert log["activity"].to_list() == ["New", "Triage"]
    assert log["attributes"].to_list() == ['{"Status":"open"}'] * 2


def test_a_header_ending_in_its_delimiter_adds_no_attribute(wh: Warehouse, tmp_path):
    """Excel's "case;activity;time;": the empty header cell was read as a column 'column3',
    and every event got the attribute {"column3":""}. A column without a name or a value is
    none; one without a name but with values keeps them (nothing delivered is dropped)."""
    path = tmp_path / "excel.csv"
    path.write_text("case;activity;time;\nc1;A;2024-03-04T09:00:00Z;\nc1;B;2024-03-04T10:00:00Z;\n")
    columns = {"case_col": "case", "activity_col": "activity", "timestamp_col": "time"}
    assert import_log(wh, Settings(), path, **columns).batch.rows_accepted == 2
    assert wh.read_table("raw.log")["attributes"].to_list() == [None, None]
    noted = tmp_path / "noted.csv"
    noted.write_text(
        "case;activity;time;\nc2;A;2024-03-04T09:00:00Z;\nc2;B;2024-03-04T10:00:00Z;vip\n"
    )
    assert import_log(wh, Settings(), noted, **columns).batch.rows_accepted == 2
    kept = wh.read_table("raw.log").filter(case_id="c2").sort("_seq")["attributes"].to_list()
    assert kept == ['{"column3":""}', '{"column3":"vip"}']


@pytest.mark.parametrize(
    ("text", "told"),
    [
        (
            "case;activity;time;\nc1;A;2024-03-04T09:00:00Z\n",
            "the header ends with its delimiter and this record does not: remove the delimiter "
            "at the end of the header, or end every record with one",
        ),
        (
            "case;activity;time\nc1;A;2024-03-04T09:00:00Z;\r\n",
            "this record ends with its delimiter and the header does not: end the header with "
            "one too, or remove it from the end of every record",
        ),
    ],
    ids=["header", "records"],
)
def test_a_delimiter_at_the_end_of_only_the_header_or_the_records_is_named(
    wh: Warehouse, tmp_path, text: str, told: str
):
    """Every record was rejected as "could not be parsed (MISSING COLUMNS ...); fix its
    delimiters, quoting or encoding": true, but it did not say which delimiter. It does now."""
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode())
    columns = {"case_col": "case", "activity_col": "activity", "timestamp_col": "time"}
    result = import_log(wh, Settings(), path, **columns)
    assert result.batch.rows_rejected == 1
    [reason] = wh.read_table("raw.rejects")["reason"].to_list()
    assert reason.startswith("record could not be parsed (") and reason.endswith(told)


def test_an_event_log_as_one_json_array_is_imported(wh: Warehouse, tmp_path):
    """A log exported as a JSON array: 'cannot read the column names (Syntax at character 0
    ('['))' with --format as the fix, which no format gave. Read now, flags hinted from its
    keys as for JSON lines."""
    path = tmp_path / "events.json"
    path.write_text(
        '[{"ticket": "T1", "step": "Open", "when": "2026-03-25T09:00:00Z"},\n'
        ' {"ticket": "T1", "step": "Close", "when": "2026-03-25T10:00:00Z"}]\n'
    )
    with pytest.raises(IngestError, match="--case-col is missing .*'ticket'"):
        import_log(wh, Settings(), path)
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.cases, result.activities) == (2, 1, 2)
    cut = tmp_path / "cut.json"  # pretty-printed and cut off: refused, not read line by line
    cut.write_text('[\n  {"ticket": "T2", "step": "Open",\n')
    with pytest.raises(IngestError, match="cut.json: not a readable JSON array file"):
        import_log(wh, Settings(), cut, **COLUMNS)


def test_missing_column_flags_name_the_likely_columns(wh: Warehouse, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ticket_id;status;changed_at;agent\nT1;open;2024-01-01T09:00:00Z;ann\n")
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path)
    message = str(caught.value)
    assert "--case-col is missing (columns that look like a case: 'ticket_id')" in message
    assert "--activity-col is missing (columns that look like an activity: 'status')" in message
    assert (
        "--timestamp-col is missing (columns that look like a timestamp: 'changed_at')" in message
    )


def test_missing_flags_offer_a_command_with_the_likeliest_columns(wh: Warehouse, tmp_path):
    # the shared help-desk log's header: event_index is a counter, not an activity
    path = tmp_path / "helpdesk.csv"
    path.write_text(
        "case_id,event_index,activity,timestamp,lifecycle,resource\n"
        "Case 1,0,Assign seriousness,2012-10-09T14:50:17+00:00,,Value 1\n"
    )
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path)
    message = str(caught.value)
    assert "columns that look like an activity: 'activity')" in message
    assert (
        "`journeys import-log helpdesk.csv --case-col case_id --activity-col activity "
        "--timestamp-col timestamp`" in message
    )


def test_missing_flags_never_offer_a_given_column_again(wh: Warehouse, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Order Number,Event Name,changed_at\nO1,paid,2024-01-01T09:00:00Z\n")
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path, case_col="Order Number")
    message = str(caught.value)
    assert "--case-col" not in message.split("e.g.")[1]
    assert "--activity-col 'Event Name' --timestamp-col changed_at`" in message


COLUMNS = {"case_col": "ticket", "activity_col": "step", "timestamp_col": "when"}


def _occurred(wh: Warehouse) -> list[str]:
    build_events(wh, Settings())
    events = wh.read_table("intermediate.int_events").sort("occurred_at")
    return [str(at) for at in events["occurred_at"]]


def test_each_reason_a_timestamp_is_not_read_without_a_layout(wh: Warehouse, tmp_path):
    """Without --date-format a log's unread timestamp gets the first reason that fits: a zone
    abbreviation, a day-first date, a layout DuckDB does not read, else 'not a timestamp'."""
    path = tmp_path / "reasons.csv"
    path.write_text(
        "ticket,step,when\n"
        "T1,Open,2026-03-01 10:00:00 CST\n"
        "T1,Work,25/03/2026 09:00\n"
        "T1,Close,soon\n"
        "T2,Open,2026-03-01T10:00:00Z\n"
    )
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (1, 3)
    reasons = dict(result.reasons)
    plain = "the timestamp column is not a timestamp; use ISO-8601, or pass --date-format"
    day_first = "the timestamp column is day first; pass --date-format '%d/%m/%Y %H:%M'"
    assert (reasons.pop(plain), reasons.pop(day_first)) == (1, 1)
    (abbreviation,) = reasons
    assert abbreviation.startswith("the timestamp column ends in a time zone abbreviation")


DAY_FIRST = (
    "ticket,step,when\n"
    "T1,Open,25/03/2026 09:00\n"
    "T1,Close,26/03/2026 17:05\n"
    "T2,Open,01/04/2026 08:00\n"
)
"""A day-first export: two days above 12 decide it, 01/04 alone would fit either way."""


def test_day_first_dates_are_rejected_with_the_layout_that_reads_them(wh: Warehouse, tmp_path):
    """A help-desk export in a European layout: DuckDB reads none of it without a layout. Every
    row is kept in raw.rejects with a reason that names the --date-format to pass (never the
    value), and the summary says the file is day first (one day above 12 decides it)."""
    path = tmp_path / "tickets.csv"
    path.write_text(DAY_FIRST)
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (0, 3)
    assert dict(result.reasons) == {
        "the timestamp column is day first; pass --date-format '%d/%m/%Y %H:%M'": 2,
        "the timestamp column is day first or month first (both fit); pass --date-format "
        "'%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'": 1,
    }
    assert result.summary().endswith(
        "The timestamps are written day first: import the file again with "
        "--date-format '%d/%m/%Y %H:%M'"
    )
    assert "25/03" not in str(wh.rows("queries/reject_reasons", batch_id=result.batch.batch_id))
    # the same file, now with its layout: loaded (a log batch that accepted nothing is retried)
    again = import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS)
    assert not again.batch.skipped
    assert (again.batch.rows_accepted, again.batch.rows_rejected) == (3, 0)
    assert _occurred(wh) == [
        "2026-03-25 09:00:00+00:00",
        "2026-03-26 17:05:00+00:00",
        "2026-04-01 08:00:00+00:00",  # 1 April, not 4 January
    ]
    # a batch that accepted rows is the file's: a third import changes nothing
    assert import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS).batch.skipped


def test_reading_a_log_again_supersedes_the_read_that_accepted_nothing(wh: Warehouse, tmp_path):
    """Each row of a file counts once, under the read that holds it: a day-first export read
    without its layout, again with a wrong one, then with the right one leaves no reject behind,
    and the per-source totals (what the report's data quality table adds up) are the file's
    three rows, all accepted, not nine rows with six rejected."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket,step,when\nT1,Open,25/03/2026 09:00\nT1,Close,26/03/2026 17:05\nT2,Open,"
        "13/04/2026 08:00\n"
    )
    first = import_log(wh, Settings(), path, **COLUMNS).batch
    wrong = import_log(wh, Settings(), path, date_format="%m/%d/%Y %H:%M", **COLUMNS).batch
    assert (first.rows_rejected, wrong.rows_rejected) == (3, 3)
    rejects = wh.read_table("raw.rejects")
    assert rejects["batch_id"].to_list() == [wrong.batch_id] * 3  # not 6 rows
    assert set(rejects["reason"]) == {
        "the timestamp column does not match --date-format '%m/%d/%Y %H:%M'; it is day first; "
        "pass --date-format '%d/%m/%Y %H:%M'"
    }
    right = import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS).batch
    assert (right.rows_accepted, right.rows_rejected) == (3, 0)
    assert wh.count("raw.rejects") == 0
    manifest = wh.read_table("raw.manifest").sort("file_seq")
    assert manifest["batch_id"].to_list() == [first.batch_id, wrong.batch_id, right.batch_id]
    assert manifest.select(pl.sum("rows_read", "rows_accepted", "rows_rejected")).row(0) == (
        3,
        3,
        0,
    )
    assert manifest["note"].to_list()[:2] == [
        f"superseded: read again in batch {wrong.batch_id}, which holds its rows (this read "
        "rejected all 3 of them)",
        f"superseded: read again in batch {right.batch_id}, which holds its rows (this read "
        "rejected all 3 of them)",
    ]
    # the file is the right read's now: a fourth import changes nothing
    again = import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS).batch
    assert again.skipped and again.batch_id == right.batch_id


def test_a_date_format_with_day_and_month_swapped_is_refused(wh: Warehouse, tmp_path):
    """A day-first export read month first: 01/04 and 05/04 would load as 4 January and
    4 May, and only 13/04 would be rejected. The file is refused whole (pandas stops at such
    a value too) with the layout that reads every row; then that layout loads all of them. A
    layout that is only partly wrong for a file of mixed layouts keeps its accepted rows."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket,step,when\n"
        "T1,Open,01/04/2026 09:00\n"
        "T1,Close,05/04/2026 17:05\n"
        "T2,Open,13/04/2026 08:00\n"
    )
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path, date_format="%m/%d/%Y %H:%M", **COLUMNS)
    assert str(refused.value) == (
        "[ingest] tickets.csv: 1 row(s) do not match --date-format '%m/%d/%Y %H:%M' and are "
        "written day first, so the 2 row(s) it read would have day and month swapped. Nothing "
        "was loaded; import the file again with --date-format '%d/%m/%Y %H:%M'"
    )
    assert wh.count("raw.log") == 0 and wh.count("raw.manifest") == 0
    loaded = import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS).batch
    assert (loaded.rows_accepted, loaded.rows_rejected) == (3, 0)
    assert _occurred(wh)[:2] == ["2026-04-01 09:00:00+00:00", "2026-04-05 17:05:00+00:00"]
    # ISO rows read by an ISO layout, one day-first row among them: that row is rejected (with
    # the layout that reads it), the others are right and stay
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("ticket,step,when\nT9,Open,2026-04-01 09:00\nT9,Close,13/04/2026 08:00\n")
    result = import_log(wh, Settings(), mixed, date_format="%Y-%m-%d %H:%M", **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (1, 1)
    assert dict(result.reasons) == {
        "the timestamp column does not match --date-format '%Y-%m-%d %H:%M'; it is day first; "
        "pass --date-format '%d/%m/%Y %H:%M'": 1
    }


def test_a_date_no_calendar_has_is_rejected_alone_not_taken_for_the_layout(wh: Warehouse, tmp_path):
    """A day-first export with one broken date (02/31: 2 read as a day, 31 is no month; read
    month first, February has no 31st). It was taken for a month-first row, so the file read
    with its own day-first layout was refused whole ("the 3 row(s) it read would have day and
    month swapped") and told to use the layout that reads none of its other rows. Now that row
    alone is rejected, with a reason that names no layout, and the others load; without a
    layout the summary still says day first."""
    path = tmp_path / "tickets.csv"
    path.write_text(DAY_FIRST + "T2,Close,02/31/2026 08:00\n")
    no_date = (
        "is not a date of the calendar, day first or month first (a day its month does not "
        "have, such as 31 April, or a month above 12); correct it in the file"
    )
    first = import_log(wh, Settings(), path, **COLUMNS)
    assert dict(first.reasons) == {
        "the timestamp column is day first; pass --date-format '%d/%m/%Y %H:%M'": 2,
        "the timestamp column is day first or month first (both fit); pass --date-format "
        "'%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'": 1,
        f"the timestamp column {no_date}": 1,
    }
    assert first.summary().endswith(
        "The timestamps are written day first: import the file again with "
        "--date-format '%d/%m/%Y %H:%M'"
    )
    read = import_log(wh, Settings(), path, date_format="%d/%m/%Y %H:%M", **COLUMNS)
    assert (read.batch.rows_accepted, read.batch.rows_rejected) == (3, 1)
    assert read.reasons == (
        (f"the timestamp column does not match --date-format '%d/%m/%Y %H:%M'; it {no_date}", 1),
    )
    assert _occurred(wh)[2] == "2026-04-01 08:00:00+00:00"  # 1 April, not 4 January
    assert "02/31" not in str(wh.rows("queries/reject_reasons", batch_id=read.batch.batch_id))


def test_excel_serial_dates_are_named_and_read_with_date_format_excel(wh: Warehouse, tmp_path):
    """A sheet's date cells exported as numbers (days since 1899-12-30, the time a fraction):
    they were 'not a timestamp' and no strptime layout reads them. The reason and the summary
    name --date-format excel; with it the days are local times in --timezone, to the
    millisecond (0.3958333333 is 09:30, not 09:29:59.99999)."""
    path = tmp_path / "sheet.csv"
    path.write_text(
        "ticket,step,when\nT1,Open,45741.375\nT1,Check,45741.3958333333\nT1,Close,45742\n"
        "T2,Open,25/03/2026 09:00\n"
    )
    first = import_log(wh, Settings(), path, **COLUMNS)
    assert (
        dict(first.reasons)[
            "the timestamp column is written as Excel day numbers (days since 1899-12-30); pass "
            "--date-format 'excel'"
        ]
        == 3
    )
    read = import_log(
        wh, Settings(), path, date_format="excel", timezone="Europe/Amsterdam", **COLUMNS
    )
    assert (read.batch.rows_accepted, read.batch.rows_rejected) == (3, 1)
    assert read.reasons == (
        (
            "the timestamp column does not match --date-format 'excel'; it is day first; pass "
            "--date-format '%d/%m/%Y %H:%M'",
            1,
        ),
    )
    assert _occurred(wh) == [
        "2025-03-25 08:00:00+00:00",  # 09:00 in Amsterdam (winter time)
        "2025-03-25 08:30:00+00:00",
        "2025-03-25 23:00:00+00:00",  # midnight of the 26th
    ]


def test_month_first_twelve_hour_dates_read_in_the_given_timezone(wh: Warehouse, tmp_path):
    """A US export (month first, 12-hour clock, naive local times): the reason says month
    first; with the layout and --timezone the instants are the local times' UTC ones, across
    the DST change of 8 March 2026 in New York."""
    path = tmp_path / "us.csv"
    path.write_text("ticket,step,when\nA,Open,03/07/2026 11:30 PM\nA,Close,03/13/2026 9:15 AM\n")
    first = import_log(wh, Settings(), path, **COLUMNS)
    assert "is month first; pass --date-format '%m/%d/%Y %I:%M %p'" in first.summary()
    assert "The timestamps are written month first" in first.summary()
    result = import_log(
        wh,
        Settings(),
        path,
        date_format="%m/%d/%Y %I:%M %p",
        timezone="America/New_York",
        **COLUMNS,
    )
    assert result.batch.rows_accepted == 2
    assert _occurred(wh) == ["2026-03-08 04:30:00+00:00", "2026-03-13 13:15:00+00:00"]


def test_a_date_format_with_an_offset_ignores_the_timezone(wh: Warehouse, tmp_path):
    path = tmp_path / "offsets.csv"
    path.write_text("ticket,step,when\nB,Open,25.03.2026 10:00 +0100\nB,Close,not a date\n")
    result = import_log(
        wh, Settings(), path, date_format="%d.%m.%Y %H:%M %z", timezone="Asia/Tokyo", **COLUMNS
    )
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (1, 1)
    assert result.reasons == (
        ("the timestamp column does not match --date-format '%d.%m.%Y %H:%M %z'", 1),
    )
    assert result.summary().count("The timestamps are written") == 0
    assert _occurred(wh) == ["2026-03-25 09:00:00+00:00"]


def test_a_windows_export_is_read_in_the_encoding_given(wh: Warehouse, tmp_path):
    """A CSV saved by Excel on Windows (cp1252: € is byte 0x80, which latin-1 reads as a control
    character): without --encoding every row is rejected and the summary names the option;
    with it the activities arrive as written, and the batch records the encoding."""
    path = tmp_path / "export.csv"
    rows = (
        "ticket;step;when\nT1;Bestätigung;2026-03-25 09:00\nT1;Rückzahlung 5 €;2026-03-26 10:00\n"
    )
    path.write_bytes(rows.encode("cp1252"))
    first = import_log(wh, Settings(), path, **COLUMNS)
    assert (first.batch.rows_accepted, first.batch.rows_rejected) == (0, 2)
    assert "The file is not UTF-8: import it again with its encoding, e.g. --encoding cp1252" in (
        first.summary()
    )
    again = import_log(wh, Settings(), path, encoding="cp1252", **COLUMNS)
    assert again.batch.rows_accepted == 2
    names = sorted(wh.read_table("raw.log")["activity"].to_list())
    assert names == ["Bestätigung", "Rückzahlung 5 €"]
    recorded = wh.read_table("raw.log_imports").sort("encoding")["encoding"].to_list()
    assert recorded == ["cp1252", "utf-8"]


def test_column_names_in_another_encoding_name_the_encoding_not_missing_columns(
    wh: Warehouse, tmp_path
):
    """A German Excel export whose header holds 'Aktivität' in cp1252: the reader took the
    header for a row and the import said the columns were missing, listing the first row's
    values as the file's columns. Now the file is refused for its encoding, by line and byte."""
    path = tmp_path / "vorgänge.csv"
    path.write_bytes("Vorgang;Aktivität;Zeitpunkt\nV1;Anlage;2026-03-25 09:00\n".encode("cp1252"))
    columns = {"case_col": "Vorgang", "activity_col": "Aktivität", "timestamp_col": "Zeitpunkt"}
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path, **columns)
    assert str(refused.value) == (
        "[ingest] vorgänge.csv: line 1 (the column names) is not UTF-8 text (byte 0xe4 at "
        "position 16, 'ä' in cp1252); the file is in another encoding, e.g. cp1252 from Excel "
        "on Windows: name it with --encoding cp1252 (import-log) or `encoding: cp1252` under the "
        "source in journeys.yaml. Nothing was loaded from it"
    )
    assert wh.count("raw.manifest") == 0
    assert import_log(wh, Settings(), path, encoding="cp1252", **columns).batch.rows_accepted == 1


@pytest.mark.parametrize(
    ("option", "log", "expected"),
    [
        (
            {"date_format": "%d/%m/%Y %Q"},
            "tickets.csv",
            "--date-format '%d/%m/%Y %Q': Failed to parse format",
        ),
        ({"date_format": "dd/mm/yyyy"}, "tickets.csv", "no strptime directive such as %d or %Y"),
        (
            {"date_format": "%d/%m/%Y"},
            "tickets.xes",
            "--date-format is for CSV, Parquet, JSONL and workbook logs",
        ),
        (
            {"encoding": "klingon"},
            "tickets.csv",
            "--encoding 'klingon': not a text encoding Python knows",
        ),
        (
            {"encoding": "rot13"},
            "tickets.csv",
            "--encoding 'rot13': not a text encoding Python knows",
        ),
        (
            {"encoding": "latin-1"},
            "tickets.xes",
            "--encoding is for CSV and JSONL logs; XES files carry",
        ),
    ],
)
def test_a_reading_option_that_cannot_apply_is_refused_before_loading(
    wh: Warehouse, tmp_path, option, log, expected
):
    path = tmp_path / log
    path.write_text(XES if log.endswith(".xes") else "ticket,step,when\nT,Open,01/02/2026\n")
    with pytest.raises(IngestError, match="Nothing was loaded") as raised:
        import_log(wh, Settings(), path, **option, **COLUMNS)
    assert expected in str(raised.value)
    assert wh.scalar("ingest/next_file_seq") == 1  # no batch recorded


LIFECYCLE_XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="C1"/>
    <event><string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-01T09:00:00.000+00:00"/></event>
    <event><string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-03-01T09:05:00.000+00:00"/></event>
    <event><string key="concept:name" value="Triage"/>
      <string key="lifecycle:transition" value="START"/>
      <date key="time:timestamp" value="2026-03-01T09:10:00.000+00:00"/></event>
    <event><string key="concept:name" value="Triage"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-03-01T09:30:00.000+00:00"/></event>
  </trace>
  <trace><string key="concept:name" value="C2"/>
    <event><string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-02T10:00:00.000+00:00"/></event>
    <event><string key="concept:name" value="Register"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-03-02T10:02:00.000+00:00"/></event>
  </trace>
</log>
"""
LIFECYCLE_CSV = (
    "case:concept:name,concept:name,time:timestamp,lifecycle:transition\n"
    "C1,Register,2026-03-01T09:00:00Z,start\n"
    "C1,Register,2026-03-01T09:05:00Z,complete\n"
    "C1,Triage,2026-03-01T09:10:00Z,START\n"
    "C1,Triage,2026-03-01T09:30:00Z,complete\n"
    "C2,Register,2026-03-02T10:00:00Z,start\n"
    "C2,Register,2026-03-02T10:02:00Z,\n"  # blank: complete, as an XES event without one
)
XES_COLUMNS = {
    "case_col": "case:concept:name",
    "activity_col": "concept:name",
    "timestamp_col": "time:timestamp",
}


def _paths(wh: Warehouse) -> list[list[str]]:
    build_events(wh, Settings())
    events = wh.read_table("intermediate.int_events").sort("occurred_at")
    grouped = events.group_by("case_id", maintain_order=True).agg(pl.col("touchpoint"))
    return sorted(grouped["touchpoint"].to_list())


@pytest.mark.parametrize("lifecycle", ["complete", "all"])
def test_a_csv_with_lifecycle_transitions_reads_like_the_same_log_as_xes(tmp_path, lifecycle: str):
    """The same log exported as XES and as CSV (a lifecycle:transition column, as tools write
    it) gives the same journeys: with --lifecycle complete the start rows are left out and
    counted, not loaded as a second 'Register' (a repeated step no one made); with all they
    are named 'Register (start)'."""
    xes_file, csv_file = tmp_path / "log.xes", tmp_path / "log.csv"
    xes_file.write_text(LIFECYCLE_XES)
    csv_file.write_text(LIFECYCLE_CSV)
    with Warehouse() as a, Warehouse() as b:
        from_xes = import_log(a, Settings(), xes_file, lifecycle=lifecycle)
        from_csv = import_log(b, Settings(), csv_file, lifecycle=lifecycle, **XES_COLUMNS)
        assert from_csv.left_out == from_xes.left_out == (3 if lifecycle == "complete" else 0)
        assert from_csv.batch.rows_accepted == from_xes.batch.rows_accepted
        assert _paths(a) == _paths(b)
        expected = (
            [["Register"], ["Register", "Triage"]]
            if lifecycle == "complete"
            else [
                ["Register (start)", "Register"],
                ["Register (start)", "Register", "Triage (start)", "Triage"],
            ]
        )
        assert _paths(b) == expected
        recorded = b.read_table("raw.log_imports").row(0, named=True)
        assert (recorded["lifecycle"], recorded["left_out"]) == (lifecycle, from_csv.left_out)
        if lifecycle == "complete":
            assert "3 events of other lifecycle transitions left out" in from_csv.summary()


def test_lifecycle_col_names_another_column_and_a_stage_column_is_not_taken_unasked(
    wh: Warehouse, tmp_path
):
    """A JSONL log whose transition column is 'transition', beside a CRM-style 'lifecycle'
    column (the customer's stage): the stage is never read as a transition, and
    --lifecycle-col transition leaves the start rows out."""
    path = tmp_path / "log.jsonl"
    rows = [
        ("C1", "Open", "2026-03-01T09:00:00Z", "start", "lead"),
        ("C1", "Open", "2026-03-01T09:01:00Z", "complete", "lead"),
        ("C1", "Close", "2026-03-01T10:00:00Z", "complete", "customer"),
    ]
    path.write_text(
        "".join(
            f'{{"ticket": "{c}", "step": "{a}", "when": "{t}", "transition": "{x}", '
            f'"lifecycle": "{s}"}}\n'
            for c, a, t, x, s in rows
        )
    )
    with Warehouse() as plain:
        unasked = import_log(plain, Settings(), path, **COLUMNS)
        assert (unasked.batch.rows_accepted, unasked.left_out) == (3, 0)
    asked = import_log(wh, Settings(), path, lifecycle_col="transition", **COLUMNS)
    assert (asked.batch.rows_accepted, asked.left_out) == (2, 1)
    assert _paths(wh) == [["Open", "Close"]]


@pytest.mark.parametrize(
    ("log", "column", "expected"),
    [
        ("log.csv", "stage", "--lifecycle-col 'stage' is not a column; the file's columns: "),
        (
            "log.xes",
            "lifecycle:transition",
            "--lifecycle-col is for CSV, Parquet, JSONL and workbook",
        ),
    ],
)
def test_a_lifecycle_col_that_cannot_apply_is_refused(
    wh: Warehouse, tmp_path, log, column, expected
):
    path = tmp_path / log
    path.write_text(LIFECYCLE_XES if log.endswith(".xes") else LIFECYCLE_CSV)
    columns = XES_COLUMNS if log.endswith(".csv") else {}
    with pytest.raises(IngestError, match="Nothing was loaded") as raised:
        import_log(wh, Settings(), path, lifecycle_col=column, **columns)
    assert expected in str(raised.value)


def test_local_times_in_a_clock_change_are_counted_and_read_as_documented(wh: Warehouse, tmp_path):
    """Naive Amsterdam times on the two changes of 2026: 02:10 and 02:20 on 25 October happened
    twice (pandas would refuse them as ambiguous); 02:30 on 29 March never happened. They load,
    read as the later instant and an hour later, and the summary says how many and how."""
    path = tmp_path / "dst.csv"
    path.write_text(
        "ticket,step,when\n"
        "A,Open,2026-10-25 01:50:00\n"
        "A,Call,2026-10-25 02:10:00\n"
        "A,Close,2026-10-25 02:20:00\n"
        "B,Open,2026-03-29 02:30:00\n"
        "C,Open,2026-07-01 10:00:00\n"
    )
    result = import_log(wh, Settings(), path, timezone="Europe/Amsterdam", **COLUMNS)
    assert result.batch.rows_accepted == 5
    assert result.clock_changes == (2, 1)
    assert (
        "3 local times fall in a clock change: 2 in the hour Europe/Amsterdam's clocks went "
        "back (two instants each: read as the later) and 1 in the hour Europe/Amsterdam's "
        "clocks skipped (no such time: read an hour later)"
    ) in result.summary()
    assert _occurred(wh) == [
        "2026-03-29 01:30:00+00:00",  # 02:30 does not exist: 03:30 summer time
        "2026-07-01 08:00:00+00:00",
        "2026-10-24 23:50:00+00:00",  # 01:50 summer time
        "2026-10-25 01:10:00+00:00",  # 02:10 winter time, the second 02:10
        "2026-10-25 01:20:00+00:00",
    ]
    with Warehouse() as utc:  # no zone, no clock change to count
        plain = import_log(utc, Settings(), path, **COLUMNS)
        assert plain.clock_changes == (0, 0) and "clock change" not in plain.summary()
    with Warehouse() as laid_out:  # the same with a layout of its own
        day_first = tmp_path / "dst-day-first.csv"
        day_first.write_text("ticket,step,when\nA,Call,25/10/2026 02:10\nB,Open,29/03/2026 02:30\n")
        again = import_log(
            laid_out,
            Settings(),
            day_first,
            timezone="Europe/Amsterdam",
            date_format="%d/%m/%Y %H:%M",
            **COLUMNS,
        )
        assert again.clock_changes == (1, 1)


@pytest.mark.parametrize(
    ("written", "layout", "instant"),
    [
        ("25-Mar-2026 09:00", "%d-%b-%Y %H:%M", "2026-03-25 09:00:00+00:00"),
        ("25 March 2026 9:15 pm", "%d %B %Y %I:%M %p", "2026-03-25 21:15:00+00:00"),
        ("Mar 25, 2026 9:00AM", "%b %d, %Y %I:%M%p", "2026-03-25 09:00:00+00:00"),
        (
            "Wed, 25 Mar 2026 09:00:00 +0100",
            "%a, %d %b %Y %H:%M:%S %z",
            "2026-03-25 08:00:00+00:00",
        ),
    ],
)
def test_common_layouts_are_rejected_with_the_layout_that_reads_them(
    wh: Warehouse, tmp_path, written: str, layout: str, instant: str
):
    """Timestamps as exports and logs write them (month names, compact, the e-mail form): the
    reason names a --date-format, and that layout reads the value. (log4j's and Python
    logging's decimal comma, 09:00:00,123, and the compact 20260325T090000 are ISO-8601 and
    read without one: test_iso_8601_s_other_forms_and_epoch_fractions_are_read.)"""
    path = tmp_path / "log.csv"
    path.write_text(f'ticket,step,when\nT1,Open,"{written}"\n')
    first = import_log(wh, Settings(), path, **COLUMNS)
    reason = (
        f"the timestamp column is written in a layout of its own; pass --date-format '{layout}'"
    )
    assert first.reasons == ((reason, 1),)
    again = import_log(wh, Settings(), path, date_format=layout, **COLUMNS)
    assert again.batch.rows_accepted == 1
    assert _occurred(wh) == [instant]


def test_iso_8601_s_other_forms_and_epoch_fractions_are_read(wh: Warehouse, tmp_path):
    """Python's logging and log4j write 09:00:00,123: ISO-8601's decimal comma. It was rejected
    with a --date-format to pass (and with a Z after it, as no timestamp at all); so were
    iCalendar's basic format (20260325T090000Z) and epoch seconds with a fraction
    (time.time(): 1774429200.25)."""
    path = tmp_path / "log.csv"
    path.write_text(
        'ticket,step,when\nT1,Open,"2026-03-25 09:00:00,123"\nT1,Close,"2026-03-25T10:00:00,5Z"\n'
        'T1,Wait,"2026-03-25T11:00:00,25+01:00[Europe/Berlin]"\n'
        "T2,Open,20260325T120000Z\nT2,Close,20260325T130000\nT2,Wait,1774447200.25\n"
    )
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.naive_timestamps) == (6, 2)
    assert sorted(_occurred(wh)) == [
        "2026-03-25 09:00:00.123000+00:00",
        "2026-03-25 10:00:00.250000+00:00",  # 11:00:00,25 at +01:00
        "2026-03-25 10:00:00.500000+00:00",
        "2026-03-25 12:00:00+00:00",
        "2026-03-25 13:00:00+00:00",
        "2026-03-25 14:00:00.250000+00:00",
    ]


def test_epoch_microseconds_and_nanoseconds_are_read_exactly(wh: Warehouse, tmp_path):
    """GA4's BigQuery export writes event_timestamp in microseconds (16 digits) and pandas
    writes a datetime column as nanoseconds (19): both were "not a timestamp", where seconds
    and milliseconds were read. A number beyond a 64-bit integer stays no timestamp."""
    path = tmp_path / "ga4.csv"
    path.write_text(
        "ticket,step,when\nT1,Open,1774429200123456\nT1,Close,1774432800123456789\n"
        "T1,Wait,9999999999999999999\n"
    )
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (2, 1)
    assert result.naive_timestamps == 0
    assert sorted(_occurred(wh)) == [
        "2026-03-25 09:00:00.123456+00:00",
        "2026-03-25 10:00:00.123456+00:00",
    ]


@pytest.mark.parametrize("at", [0.02, 0.5])
@pytest.mark.parametrize("name", ["tickets.csv.gz", "tickets.jsonl.gz"])
def test_a_damaged_gzip_log_is_refused_naming_the_file(wh: Warehouse, tmp_path, at, name):
    """import-log reads a CSV or JSONL log's column names before loading it: a gzip stream
    damaged early (in those first bytes) or half-way is named as not readable, not as a file
    whose columns cannot be found."""
    if name.endswith(".jsonl.gz"):
        lines = [f'{{"ticket": "T{i}", "step": "Open", "when": "2026-03-01"}}' for i in range(9000)]
    else:
        lines = ["ticket,step,when"] + [f"T{i},Open,2026-03-01" for i in range(9000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = int(len(packed) * at)
    path = tmp_path / name
    path.write_bytes(packed[:cut] + bytes(64) + packed[cut + 64 :])
    with pytest.raises(IngestError, match=rf"^\[ingest\] {name}: not readable \(") as raised:
        import_log(wh, Settings(), path, **COLUMNS)
    assert "Nothing was loaded from it" in str(raised.value)


def test_an_excel_sep_line_names_the_delimiter(wh: Warehouse, tmp_path: Path):
    """Tools that write CSV for Excel put `sep=;` on the first line. It was taken for the
    header: the file's columns were 'sep=' and 'column1', every named column missing. Now it
    names the delimiter and is left out; the rows keep their line numbers."""
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffsep=;\r\nticket;step;when;note\r\nT1;Open;2026-03-25 09:00;a,b\r\n"
        "T1;Close;2026-03-25 10:00;c\r\n".encode()
    )
    with pytest.raises(IngestError, match=r"The file's columns: ticket, step, when, note\."):
        import_log(wh, Settings(), path)
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (2, 0)
    log = wh.read_table("raw.log").sort("_row_number")
    assert log["_row_number"].to_list() == [3, 4]
    assert log["attributes"].to_list()[0] == '{"note":"a,b"}'


def test_a_header_repeated_inside_the_file_is_named_as_such(wh: Warehouse, tmp_path: Path):
    """Two exports joined with their headers (the second with its byte-order mark): the
    second header was rejected as "the timestamp column is not a timestamp". It is kept apart
    as a repeated header; a line equal to the header inside a quoted field stays that field's."""
    path = tmp_path / "joined.csv"
    path.write_bytes(
        "\ufeffticket,step,when,note\r\nT1,Open,2026-03-25 09:00,a\r\n"
        '\ufeffticket,step,when,note\r\nT2,Open,2026-03-26 09:00,"quoted\r\n'
        'ticket,step,when,note\r\nend"\r\n'.encode()
    )
    result = import_log(wh, Settings(), path, **COLUMNS)
    assert (result.batch.rows_accepted, result.batch.rows_rejected) == (2, 1)
    assert result.reasons == (
        (
            "the line repeats the header (files joined with their headers?), so it is no row; "
            "keep the first file's header only",
            1,
        ),
    )
    rejects = wh.read_table("raw.rejects")
    assert rejects["row_number"].to_list() == [3]
    log = wh.read_table("raw.log").sort("_row_number")
    assert log["_row_number"].to_list() == [2, 4]
    assert "ticket,step,when,note" in log["attributes"].to_list()[1]


def test_a_log_of_a_few_row_groups_is_appended_in_full_row_groups_in_file_order(tmp_path):
    """A file of up to ``ORDERED_APPEND_ROWS`` rows is appended in its own order: every row
    group of raw.log but the last is full, and the rows are stored as the file holds them.
    Appended in parallel, a Parquet file of two row groups of 125,000 (polars' own, as XES is
    loaded) left part-filled groups at the threads' seams in most runs, which the next
    checkpoint rewrote to merge them (0.12 s of 250,000 rows)."""
    from journeys.ingest.load import ORDERED_APPEND_ROWS

    rows = 250_000
    assert rows <= ORDERED_APPEND_ROWS
    path = tmp_path / "big.parquet"
    pl.DataFrame(
        {
            "case": [f"C-{i // 5}" for i in range(rows)],
            "act": [f"step {i % 5}" for i in range(rows)],
            "ts": [f"2024-01-{1 + i % 28:02d}T09:{i % 60:02d}:00Z" for i in range(rows)],
        }
    ).write_parquet(path)
    columns = {"case_col": "case", "activity_col": "act", "timestamp_col": "ts"}
    for round_ in range(3):  # the seams fell where the threads' shares did: more than once
        with Warehouse(tmp_path / f"w{round_}.duckdb") as wh:
            assert import_log(wh, Settings(), path, **columns).batch.rows_accepted == rows
            groups = wh._run(
                "SELECT row_group_id, max(count) FROM pragma_storage_info('raw.log') "
                "GROUP BY 1 ORDER BY 1"
            )
            assert [n for _, n in groups] == [122_880, 122_880, rows - 2 * 122_880]
            stored = [r[0] for r in wh._run("SELECT _row_number FROM raw.log ORDER BY rowid")]
            assert stored == sorted(stored)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_log_without_events_is_refused_and_read_again(wh: Warehouse, tmp_path, kind):
    """A log export with its column names and no row was loaded as an empty batch (exit 0):
    `build` then made empty marts without a word and a second import said "already loaded".
    Like an XES log without events, it is refused now, nothing recorded, every time; a file of
    no bytes at all is named empty. A shop source's empty delivery is still recorded."""
    path = tmp_path / f"tickets.{kind}"
    if kind == "csv":
        path.write_text("ticket,step,when\n")
    else:
        pl.DataFrame(
            schema={"ticket": pl.String, "step": pl.String, "when": pl.String}
        ).write_parquet(path)
    for _ in range(2):
        with pytest.raises(IngestError) as refused:
            import_log(wh, Settings(), path, **COLUMNS)
        assert str(refused.value) == (
            f"[ingest] tickets.{kind}: the log holds its column names but no events, so there is "
            "nothing to build from; export it again with its rows. Nothing was loaded"
        )
    assert wh.count("raw.manifest") == 0
    empty = tmp_path / "nothing.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"nothing.csv: the file is empty \(no column names"):
        import_log(wh, Settings(), empty, **COLUMNS)
    path.write_text("ticket,step,when\nT1,Open,2026-03-01T10:00:00Z\n")
    path = path.rename(tmp_path / "tickets.csv")
    loaded = import_log(wh, Settings(), path, **COLUMNS).batch
    assert (loaded.rows_read, loaded.rows_accepted) == (1, 1)


def test_columns_that_look_like_other_columns_are_doubted(wh: Warehouse, tmp_path):
    """A new user's first try names the wrong columns: the event's id as the case (every journey
    one step) or a free text as the activity (every journey its own variant). The import
    loads what it was told and says what looks wrong, naming the flag; the right columns get
    no note, nor does a later batch holding one new event of each case (judged with the log's
    earlier events: an overlapping monthly extract was doubted by its first version)."""
    steps = ["Open", "Work", "Close"]
    rows = [f"E{i},T{i // 3},{steps[i % 3]},note {i},2026-03-01T10:{i:02d}:00Z" for i in range(30)]
    path = tmp_path / "tickets.csv"
    path.write_text("event,ticket,step,note,when\n" + "\n".join(rows) + "\n")
    wrong = import_log(
        wh, Settings(), path, case_col="event", activity_col="note", timestamp_col="when"
    )
    assert wrong.summary().endswith(
        "; every case holds one event: does --case-col event name the case (a ticket, an "
        "order), not each event?; 30 activities for 30 events: does --activity-col note name "
        "the activity, not an id or a free text?"
    )
    right = tmp_path / "right.csv"
    right.write_text(path.read_text())
    result = import_log(
        wh, Settings(), right, case_col="ticket", activity_col="step", timestamp_col="when"
    )
    assert (result.cases, result.activities) == (10, 3)
    assert "does --" not in result.summary()
    # a live extract's next batch: one new event of each ticket, judged with the log's others
    later = tmp_path / "later.csv"
    later.write_text(
        "event,ticket,step,note,when\n"
        + "".join(f"R{t},T{t},Reopen,again,2026-03-02T10:{t:02d}:00Z\n" for t in range(10))
    )
    increment = import_log(
        wh, Settings(), later, case_col="ticket", activity_col="step", timestamp_col="when"
    )
    assert (increment.cases, increment.batch.rows_accepted) == (10, 10)
    assert "does --" not in increment.summary()


def test_a_timezone_typo_is_named_with_the_zone_meant(wh: Warehouse, tmp_path):
    """`--timezone Europe/Amsterdm` ended the import in DuckDB's "Not implemented Error: Unknown
    TimeZone ...; run again; if it fails again, report this line" when the log had naive times,
    and was accepted without a word when it had none. It is refused before anything is read,
    with the zone meant; nothing is loaded."""
    path = tmp_path / "tickets.csv"
    path.write_text("ticket,step,when\nT1,Open,2026-03-01T10:00:00Z\n")
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path, timezone="Europe/Amsterdm", **COLUMNS)
    assert str(refused.value) == (
        "[ingest] --timezone 'Europe/Amsterdm' is not a time zone (did you mean "
        "Europe/Amsterdam?); use an IANA name such as Europe/Berlin or UTC. Nothing was loaded"
    )
    assert not wh.table_exists("raw.manifest") or wh.count("raw.manifest") == 0
    loaded = import_log(wh, Settings(), path, timezone="Europe/Amsterdam", **COLUMNS).batch
    assert loaded.rows_accepted == 1


def test_a_name_with_spaces_is_one_activity_in_the_summary_as_in_the_marts(wh: Warehouse, tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text(
        "case,act,ts\nT-1,Open,2024-01-01T09:00:00Z\nT-2,Open ,2024-01-01T10:00:00Z\n"
        "T-2, Close,2024-01-01T11:00:00Z\n"
    )
    result = import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts"
    )
    assert (result.cases, result.activities) == (2, 2)
    assert "2 cases, 2 activities" in result.summary()
    build_events(wh, Settings())
    assert sorted(set(wh.read_table("intermediate.int_events")["touchpoint"])) == ["Close", "Open"]
    assert wh._run("SELECT count(*) FROM staging.stg_log_changes") == [(0,)]


def test_one_case_and_one_activity_read_in_the_singular(wh: Warehouse, tmp_path):
    """The import and the build of a one-case log read "1 case ids are emails" and "1
    customers (...), 1 journeys"."""
    from journeys.build import build_warehouse

    path = tmp_path / "one.csv"
    path.write_text("case,act,ts\njane@example.com,Open,2024-01-01T09:00:00Z\n")
    result = import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts"
    )
    assert "; 1 case, 1 activity" in result.summary()
    assert "; 1 case id is an email or a phone number: the marts show a keyed hash of it" in (
        result.summary()
    )
    built = build_warehouse(wh, Settings()).summary()
    assert built.startswith("build: 1 event, 1 customer (0 linked to the CRM), 1 journey; ")


def test_a_channel_written_in_two_cases_is_one_channel(wh: Warehouse, tmp_path):
    """'Phone' then 'phone' in one case was a channel switch (a gap compare ranks); the help
    desk's channels were read in lower case already."""
    path = tmp_path / "channels.csv"
    path.write_text(
        "case,act,ts,via\nT-1,Open,2024-01-01T09:00:00Z,Phone\n"
        "T-1,Close,2024-01-01T10:00:00Z, phone\nT-2,Open,2024-01-01T09:00:00Z,Web\n"
    )
    import_log(
        wh, Settings(), path, case_col="case", activity_col="act", timestamp_col="ts",
        channel_col="via",
    )  # fmt: skip
    build_events(wh, Settings())
    events = wh.read_table("intermediate.int_events").sort("seq")
    assert events["channel"].to_list() == ["phone", "phone", "web"]


INCIDENTS_CSV = """case,status_time,activity,lifecycle:transition,group
1-364285768,2010-03-31 16:59:42,Accepted,In Progress,V30
1-364285768,2010-04-06 16:44:07,Queued,Awaiting Assignment,V30
1-364285768,2010-04-06 16:44:38,Accepted,In Progress,V5 3rd
1-364285768,2010-04-20 10:12:00,Completed,Closed,V5 3rd
1-147898401,2010-05-03 09:01:52,Accepted,Wait,V13 2nd 3rd
1-147898401,2010-05-10 14:30:00,Completed,Closed,V13 2nd 3rd
"""


@pytest.mark.parametrize("kind", ["xes", "csv"])
def test_a_log_with_a_lifecycle_of_its_own_is_loaded_whole(wh: Warehouse, tmp_path, kind: str):
    """A log whose lifecycle:transition is a status (BPI Challenge 2013: 'In Progress',
    'Awaiting Assignment', never 'complete') was read and every event left out by the default
    --lifecycle complete: "0 read, 0 accepted ... 6660 events left out", then build and
    compare found nothing. Every event is kept, named as --lifecycle all names it, and the
    summary says why; the import is recorded as 'all'."""
    if kind == "xes":
        path = FIXTURES / "incidents.xes"
        result = import_log(wh, Settings(), path)
    else:
        path = tmp_path / "incidents.csv"
        path.write_text(INCIDENTS_CSV)
        result = import_log(
            wh, Settings(), path, case_col="case", activity_col="activity",
            timestamp_col="status_time",
        )  # fmt: skip
    assert (result.batch.rows_accepted, result.left_out, result.cases) == (6, 0, 2)
    assert result.own_transitions == ("closed", "in progress", "awaiting assignment", "wait")
    assert (
        "no event's lifecycle transition is 'complete' (the log's own: 'closed', 'in progress', "
        "'awaiting assignment', 'wait'), so every event is kept"
    ) in result.summary()
    recorded = wh.read_table("raw.log_imports").row(0, named=True)
    assert (recorded["lifecycle"], recorded["left_out"]) == ("all", 0)
    assert _paths(wh) == [
        ["Accepted (in progress)", "Queued (awaiting assignment)", "Accepted (in progress)",
         "Completed (closed)"],
        ["Accepted (wait)", "Completed (closed)"],
    ]  # fmt: skip


def test_an_xes_log_without_times_or_case_names_says_which_keys_it_lacks(wh: Warehouse, tmp_path):
    """Synthetic logs of pm4py's tests have no time:timestamp, and some no trace names: the
    refusal said "missing column(s) ... To fix, pass the file's column names with --case-col,
    --activity-col and --timestamp-col", a fix for a CSV, not for a file that names its keys."""
    path = tmp_path / "fines.xes"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8" ?>\n<log>\n'
        '  <trace><event><string key="concept:name" value="Create Fine"/></event>\n'
        '    <event><string key="concept:name" value="Send Fine"/></event></trace>\n</log>\n'
    )
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path)
    assert str(refused.value) == (
        "[ingest] fines.xes: the XES log's traces have no concept:name (the case id) and its "
        "events have no time:timestamp (its keys: concept:name); journeys orders each case's "
        "events by their times and measures the waits between them, so it needs a case, an "
        "activity and a time for every event. Export the log with them, or name the keys that "
        "hold them with --case-col and --timestamp-col. Nothing was loaded"
    )
    assert not wh.table_exists("raw.log") or not wh.count("raw.log")


# pm4py's receipt log as pm4py writes a frame to CSV (fixtures/receipt.csv, five rows written
# by hand under its header): the XES keys as column names, a trace's attributes as case:…
RECEIPT_CSV = (FIXTURES / "receipt.csv").read_text()


def test_a_table_with_the_xes_keys_is_read_as_its_xes_file(wh: Warehouse, tmp_path):
    """pm4py writes a log's frame with the XES keys as its columns (receipt.csv, its parquet
    files): import-log asked for three flags, and the command it offered was wrong, '--case-col
    case:channel --activity-col case:concept:name' (any 'case…' looked like a case, and the case
    key like an activity). The keys are read as in the XES file, org:group as its team."""
    path = tmp_path / "receipt.csv"
    path.write_text(RECEIPT_CSV)
    result = import_log(wh, Settings(), path)
    assert (result.batch.rows_accepted, result.cases, result.activities) == (5, 2, 4)
    assert result.team == "org:group"
    assert (
        "case:concept:name, concept:name and time:timestamp read as the XES keys they are "
        "(pm4py writes a log's columns so), no flag needed"
    ) in result.summary()
    assert _paths(wh)[0] == [
        "Confirmation of receipt",
        "T02 Check confirmation of receipt",
        "T04 Determine confirmation of receipt",
    ]
    # a flag still names another column; the one role without a key or a flag is asked for,
    # with the case key offered first
    other = tmp_path / "other.csv"
    other.write_text(RECEIPT_CSV.replace("time:timestamp", "Event Time"))
    with Warehouse() as fresh, pytest.raises(IngestError) as caught:
        import_log(fresh, Settings(), other, case_col="case:channel")
    message = str(caught.value)
    assert "--timestamp-col is missing (columns that look like a timestamp: 'Event Time')" in (
        message
    )
    assert "--case-col is missing" not in message and "--activity-col is missing" not in message
    assert "`journeys import-log other.csv --timestamp-col 'Event Time'`" in message
    bare = tmp_path / "bare.csv"
    bare.write_text(
        RECEIPT_CSV.replace("case:concept:name", "case:id_x").replace("concept:name", "Activity")
    )
    with Warehouse() as fresh, pytest.raises(IngestError) as caught:
        import_log(fresh, Settings(), bare)
    assert "columns that look like a case: 'case:id_x'" not in str(caught.value)  # an attribute
    assert "--activity-col Activity" in str(caught.value)


def test_a_complete_timestamp_is_offered_before_a_start_timestamp(wh: Warehouse, tmp_path):
    """Disco and Celonis export 'Start Timestamp' before 'Complete Timestamp'; the command
    offered took the start, while an event log's time (XES's time:timestamp, pm4py's) is when
    the activity completed."""
    path = tmp_path / "export.csv"
    path.write_text(
        "Case ID,Activity,Resource,Start Timestamp,Complete Timestamp,Variant,Variant index\n"
        "Case 1,Register request,Pete,2010/12/30 11:02:00.000,2010/12/30 11:02:00.000,"
        "Variant 2,2\n"
    )
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path)
    message = str(caught.value)
    assert "(columns that look like a timestamp: 'Complete Timestamp', 'Start Timestamp')" in (
        message
    )
    assert (
        "`journeys import-log export.csv --case-col 'Case ID' --activity-col Activity "
        "--timestamp-col 'Complete Timestamp'`" in message
    )


def test_a_damaged_workbook_and_an_unknown_name_say_what_to_do(wh: Warehouse, tmp_path):
    """A workbook that is not one is named by the reader's complaint and the way out; a name
    that does not say its format was answered with "... or set the source's format in the
    configuration", a fix import-log does not have (it has --format)."""
    book = tmp_path / "orders.xlsx"
    book.write_bytes(b"PK\x03\x04 a workbook cut off")
    with pytest.raises(IngestError, match=r"orders.xlsx: not a readable workbook \(.*\); open it "
                       r"in its spreadsheet program and save it again"):  # fmt: skip
        import_log(wh, Settings(), book, case_col="a", activity_col="b", timestamp_col="c")
    odd = tmp_path / "orders.dat"
    odd.write_text("case,activity,at\n")
    with pytest.raises(IngestError, match=r"or pass --format \(csv, parquet, jsonl, excel, xes"):
        import_log(wh, Settings(), odd, case_col="a", activity_col="b", timestamp_col="c")
    assert detect_format(book) == "excel"  # a shop source (journeys ingest) reads it too
    with pytest.raises(IngestError, match="a Numbers file, which no library here reads"):
        detect_format(tmp_path / "orders.numbers")


XLSX_COLUMNS = {
    "case_col": "Purchasing Document",
    "activity_col": "Activity",
    "timestamp_col": "Event Time",
}


def test_a_workbook_sheet_is_read_as_its_spreadsheet_shows_it(wh: Warehouse, tmp_path):
    """fixtures/orders.xlsx, written by hand as Excel stores a workbook: a 'Read me' sheet
    first, then 'Events' with order numbers as numbers (4500000111), date cells as serial
    days with a date style, a net value as a number. Workbooks were refused ("cannot tell the
    format from the name"); Disco reads them, and SAP and Celonis exports arrive so."""
    path = FIXTURES / "orders.xlsx"
    with pytest.raises(IngestError) as caught:
        import_log(wh, Settings(), path, **XLSX_COLUMNS)
    assert str(caught.value).endswith(
        "That was sheet 'Read me' of 2 (Read me, Events): --sheet NAME reads another"
    )
    result = import_log(
        wh, Settings(), path, sheet="Events", timezone="Europe/Amsterdam", **XLSX_COLUMNS
    )
    assert (result.batch.rows_accepted, result.cases, result.activities) == (4, 2, 3)
    assert "; sheet 'Events' of 2 (Read me, Events: --sheet NAME reads another)" in (
        result.summary()
    )
    build_events(wh, Settings())
    events = wh.read_table("intermediate.int_events").sort("occurred_at")
    assert events["case_id"].to_list() == ["4500000111", "PO-17", "4500000111", "4500000111"]
    # 46082.4375 is 2026-03-01 10:30 on the wall in Amsterdam (CET): 09:30 UTC
    assert str(events["occurred_at"][0]) == "2026-03-01 09:30:00+00:00"
    values = wh.read_table("raw.log").sort("_seq")["attributes"].to_list()
    assert values[0] == '{"Net Value":"1250.5"}' and values[-1] == '{"Net Value":"80"}'
    assert import_log(wh, Settings(), path, sheet="2", **XLSX_COLUMNS).batch.skipped
    with pytest.raises(IngestError, match=r"--sheet 'Lines' is not a sheet of the workbook; its "
                       r"sheets: Read me, Events"):  # fmt: skip
        import_log(wh, Settings(), path, sheet="Lines", **XLSX_COLUMNS)
    csv_log = tmp_path / "orders.csv"
    csv_log.write_text("case,activity,at\nA,x,2026-03-01T10:00:00Z\n")
    with pytest.raises(IngestError, match="--sheet is for workbook logs; only a workbook has"):
        import_log(wh, Settings(), csv_log, sheet="Events", **XES_COLUMNS)


def test_a_time_column_is_never_offered_as_the_activity():
    """Celonis exports 'EVENTTIME' beside 'ACTIVITY_EN': it was offered for --activity-col."""
    names = ["_CASE_KEY", "ACTIVITY_EN", "EVENTTIME", "EventDate", "StatusUpdate"]
    assert likely_columns("activity", names) == ["ACTIVITY_EN", "StatusUpdate"]
    assert likely_columns("timestamp", names)[:2] == ["EVENTTIME", "EventDate"]


def test_an_end_time_is_offered_before_a_start_time():
    """Apromore exports 'Start Time' then 'End Time': the start was offered first for
    --timestamp-col, where an event log's time is when the activity completed."""
    names = ["Case ID", "Activity", "Start Time", "End Time", "Resource"]
    assert likely_columns("timestamp", names) == ["End Time", "Start Time"]


def test_a_title_line_above_a_logs_column_names_is_named_not_its_delimiter(wh: Warehouse, tmp_path):
    """Was: "cannot read the column names (Could not determine delimiter); check the file is
    csv, or pass --format": it is a CSV, and --format does not help."""
    path = tmp_path / "report.csv"
    path.write_text("Ticket report March\nticket;step;when\nT1;Open;2026-03-01T10:00:00Z\n")
    for columns in ({}, COLUMNS):
        with pytest.raises(IngestError, match="line 1 \\('Ticket report March'\\) holds no "):
            import_log(wh, Settings(), path, **columns)
    assert wh.count("raw.log") == 0


def test_a_trailing_delimiter_adds_no_empty_name_to_the_columns_listed(wh: Warehouse, tmp_path):
    """An SAP export ends every line with its delimiter: the listing read 'Beleg, Vorgang,
    Datum, Uhrzeit, .' with an empty name."""
    path = tmp_path / "sap.csv"
    path.write_text(
        '"Beleg";"Vorgang";"Datum";"Uhrzeit";\n0000000001;Anlage;01.03.2024;10:00:00;\n'
    )
    with pytest.raises(IngestError) as refused:
        import_log(wh, Settings(), path)
    assert "The file's columns: Beleg, Vorgang, Datum, Uhrzeit. Name them" in str(refused.value)


def test_a_time_of_day_in_its_own_column_is_joined_to_the_date(wh: Warehouse, tmp_path):
    """SAP writes a document's date and time apart (ERDAT, ERZET); read by the date alone every
    event of a day was at midnight, in file order. --time-col joins them; a column that merely
    carries the contract's own name is not taken unasked."""
    path = tmp_path / "vbak.csv"
    path.write_text(
        "VBELN;AKT;ERDAT;ERZET;occurred_time\n"
        "0000000001;Anlage;01.05.2024;11:02:00;x\n"
        "0000000001;Freigabe;01.05.2024;09:15:30;x\n"
    )
    columns = {"case_col": "VBELN", "activity_col": "AKT", "timestamp_col": "ERDAT"}
    result = import_log(
        wh, Settings(), path, time_col="ERZET", date_format="%d.%m.%Y %H:%M:%S",
        timezone="Europe/Berlin", **columns,
    )  # fmt: skip
    assert result.batch.rows_accepted == 2
    raw = wh.read_table("raw.log").sort("occurred_at_utc")
    assert raw["activity"].to_list() == ["Freigabe", "Anlage"]  # by the time, not file order
    assert raw["occurred_at"].to_list() == ["01.05.2024 09:15:30", "01.05.2024 11:02:00"]
    assert str(raw["occurred_at_utc"][0]) == "2024-05-01 07:15:30+00:00"
    assert all("ERZET" not in a and "occurred_time" in a for a in raw["attributes"].to_list())


def test_a_time_column_is_refused_for_xes(wh: Warehouse, tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(XES)
    with pytest.raises(IngestError, match="--time-col is for CSV, Parquet, JSONL and workbook"):
        import_log(wh, Settings(), path, time_col="t")


def test_a_workbooks_date_and_time_cells_and_a_databases_midnight_date_join(
    wh: Warehouse, tmp_path
):
    """fixtures/orders_split.xlsx is orders.xlsx with the date cells date-only (style 14) and
    the time of day in its own column of time cells (style 21, a day's fraction), as an SAP
    export to a spreadsheet holds them: the reader writes them '2026-03-01 00:00:00' and
    '1899-12-31 10:30:00'. A database writes a DATE column as '2024-05-01 00:00:00.000'."""
    result = import_log(
        wh, Settings(), FIXTURES / "orders_split.xlsx", sheet="Events", time_col="Time",
        timezone="Europe/Amsterdam", **XLSX_COLUMNS,
    )  # fmt: skip
    assert result.batch.rows_accepted == 4
    raw = wh.read_table("raw.log").sort("occurred_at_utc")
    assert raw["occurred_at"].to_list()[:2] == ["2026-03-01 10:30:00", "2026-03-02 12:00:00"]
    assert str(raw["occurred_at_utc"][0]) == "2026-03-01 09:30:00+00:00"  # CET
    path = tmp_path / "orders.csv"
    path.write_text("doc,act,day,clock\nD1,Open,2024-05-01 00:00:00.000,10:30\n")
    columns = {"case_col": "doc", "activity_col": "act", "timestamp_col": "day"}
    assert import_log(wh, Settings(), path, time_col="clock", **columns).batch.rows_accepted == 1
    assert "2024-05-01 10:30:00+00:00" in _occurred(wh)
