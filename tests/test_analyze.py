"""``journeys analyze LOG``: import-log, build and compare in one process, published once; the
same marts as the three commands one after the other (issue #17)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from journeys.analyze import default_map_path
from journeys.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
RUN_COLUMNS = {"batch_id", "loaded_at"}
"""Columns that name a load (its batch and when), not the data: they differ between runs."""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, f"journeys {' '.join(argv)} exited {code}: {err}"
    return out


def differences(one: Path, other: Path) -> tuple[list[str], int]:
    """The published marts and rejects that differ between two warehouses (EXCEPT ALL both
    ways, columns and types compared), and how many rows they hold in all."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{one}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{other}' AS b (READ_ONLY)")
    listed = (
        "SELECT schema_name || '.' || table_name, list(column_name || ' ' || data_type "
        "ORDER BY column_index) FROM duckdb_columns() WHERE database_name = $db "
        "AND schema_name IN ('marts', 'raw') GROUP BY ALL"
    )
    left = dict(con.execute(listed, {"db": "a"}).fetchall())
    right = dict(con.execute(listed, {"db": "b"}).fetchall())
    found = [f"{name}: only in one" for name in sorted(set(left) ^ set(right))]
    rows = 0
    for name in sorted(set(left) & set(right)):
        if left[name] != right[name]:
            found.append(f"{name}: columns differ")
            continue
        names = [c.split(" ")[0] for c in left[name]]
        cols = ", ".join(f'"{c}"' for c in names if c not in RUN_COLUMNS)
        for x, y in (("a", "b"), ("b", "a")):
            sql = f"SELECT count(*) FROM (FROM {x}.{name} SELECT {cols} EXCEPT ALL "
            extra = con.execute(sql + f"FROM {y}.{name} SELECT {cols})").fetchone()
            if extra and extra[0]:
                found.append(f"{name}: {extra[0]} rows of {x} not in {y}")
        counted = con.execute(f"SELECT count(*) FROM a.{name}").fetchone()
        rows += counted[0] if counted else 0
    return found, rows


def test_analyze_writes_the_marts_of_import_log_build_and_compare(tmp_path: Path, capsys):
    """A hand-written XES.gz with start and complete events: one command, then the three."""
    log = tmp_path / "orders.xes.gz"
    log.write_bytes(gzip.compress((FIXTURES / "orders.xes").read_bytes()))
    first = tmp_path / "maps" / "orders.yaml"
    one = tmp_path / "one" / "journeys.duckdb"
    out = run(capsys, "--warehouse", str(one), "analyze", str(log), "--map-out", str(first))
    lines = out.splitlines()
    assert lines[0].startswith("log orders.xes.gz: 37 read, 37 accepted, 0 rejected")
    assert "37 events of other lifecycle transitions left out" in lines[0]
    assert lines[1].startswith("build: 37 events, 10 customers") and "10 journeys" in lines[1]
    assert lines[2].startswith("suggest-map: discovered 'orders' from 10 journeys")
    assert lines[3] == f"written to {first}; edit it, then `journeys compare --map {first}`"
    assert lines[4].startswith("orders: 10 journeys (")
    assert lines[-1].startswith(f"published to {one}; next: `journeys report`")
    assert yaml.safe_load(first.read_text())["name"] == "orders"

    three = tmp_path / "three" / "journeys.duckdb"
    run(capsys, "--warehouse", str(three), "import-log", str(log))
    run(capsys, "--warehouse", str(three), "build")
    run(capsys, "--warehouse", str(three), "compare", "--map", str(first))
    found, rows = differences(one, three)
    assert found == [] and rows > 100  # events, journeys, map rows: every mart compared

    again = tmp_path / "again" / "journeys.duckdb"  # and with the map given, lifecycle all
    out = run(
        capsys, "--warehouse", str(again), "analyze", str(log), "--lifecycle", "all",
        "--map", str(first),
    )  # fmt: skip
    assert "74 read, 74 accepted" in out and "suggest-map" not in out
    with duckdb.connect(str(again), read_only=True) as con:
        touchpoints = {t for (t,) in con.sql("SELECT touchpoint FROM marts.touchpoints").fetchall()}
        compared = con.sql("SELECT DISTINCT map_name FROM marts.map_conformance").fetchall()
    assert {"Place order (start)", "Place order"} <= touchpoints and compared == [("orders",)]


def test_analyze_never_overwrites_a_map_and_refuses_before_loading(tmp_path: Path, capsys):
    log = tmp_path / "orders.xes"
    shutil.copy(FIXTURES / "orders.xes", log)
    kept = tmp_path / "maps" / "orders.yaml"
    kept.parent.mkdir()
    kept.write_text("name: edited\nstages:\n  - name: All\n    steps:\n      - name: Ship\n")
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    argv = ["--warehouse", str(warehouse), "analyze", str(log), "--map-out", str(kept)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"[analyze] {kept}: a map is there already")
    assert f"--map {kept}" in err and err.endswith("Nothing was loaded")
    assert "name: edited" in kept.read_text() and not warehouse.parent.exists()

    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nstages: []\n")
    assert main(["--warehouse", str(warehouse), "analyze", str(log), "--map", str(broken)]) == 1
    assert "broken.yaml" in capsys.readouterr().err and not warehouse.parent.exists()


def test_a_discovered_map_is_named_after_the_log():
    assert default_map_path(Path("in/tickets-2024.xes.gz")) == Path("maps/tickets-2024.yaml")
    assert default_map_path(Path("helpdesk.csv")) == Path("maps/helpdesk.yaml")
    assert default_map_path(Path("orders.v2.json")) == Path("maps/orders.v2.yaml")
    assert default_map_path(Path("orders.ocel.json")) == Path("maps/orders.yaml")
    assert default_map_path(Path("p2p.jsonocel")) == Path("maps/p2p.yaml")


def test_analyze_of_a_csv_without_column_flags_names_the_analyze_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV needs its three columns named: the message gives the command the user ran
    (analyze, not import-log) with the columns that look right, and nothing is loaded."""
    log = tmp_path / "tickets.csv"
    log.write_text(
        "ticket,step,created_at\n"
        "T-1,Register,2026-01-05 09:00:00\n"
        "T-1,Resolve,2026-01-05 11:30:00\n"
    )
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    monkeypatch.chdir(tmp_path)  # a discovered map would go to ./maps
    code = main(["--warehouse", str(warehouse), "analyze", str(log)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "`journeys analyze tickets.csv --case-col ticket" in err
    assert "--timestamp-col created_at`" in err
    assert "journeys import-log" not in err
    assert not (tmp_path / "maps").exists()


def test_a_log_whose_every_row_is_rejected_stops_analyze_with_the_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Day-first dates and a quote left open: every row rejected. analyze stops after the
    import with its summary and the reasons, instead of building nothing and sending the user
    to compare's "marts.journeys is empty; run journeys build"."""
    log = tmp_path / "tickets.csv"
    log.write_text(
        "ticket;step;when_local\n"
        "T-1;Opened;05/01/2026 09:00\n"
        'T-1;"Escalated;Resolved\n'
        "T-2;Opened;31/03/2026 02:30\n"
    )
    flags = ["--case-col", "ticket", "--activity-col", "step", "--timestamp-col", "when_local"]
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    monkeypatch.chdir(tmp_path)  # a discovered map would go to ./maps
    code = main(["--warehouse", str(warehouse), "analyze", str(log), *flags])
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "tickets.csv: 3 read, 0 accepted, 3 rejected" in err
    assert "the timestamp column is day first; pass --date-format '%d/%m/%Y %H:%M'" in err
    assert "the timestamp column is day first or month first (both fit)" in err
    assert "1 × a quote in this line opens a field" in err
    assert "The timestamps are written day first: import the file again with --date-format" in err
    assert "No event to build from" in err
    assert "marts.journeys is empty" not in err
    assert not (tmp_path / "maps").exists()


def test_analyze_reads_a_day_first_windows_export_with_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export the test above rejects, saved in cp1252 with day-first local times: with
    --date-format, --encoding and --timezone analyze imports every row, builds and compares
    against the map it discovers; the events are the local times' UTC instants."""
    log = tmp_path / "tickets.csv"
    rows = [
        "ticket;step;when_local",
        "T-1;Geöffnet;05/01/2026 09:00",
        "T-1;Gelöst;06/01/2026 10:30",
        "T-2;Geöffnet;31/03/2026 02:30",
        "T-2;Gelöst;31/03/2026 16:00",
    ]
    log.write_bytes("\n".join(rows).encode("cp1252") + b"\n")
    flags = ["--case-col", "ticket", "--activity-col", "step", "--timestamp-col", "when_local"]
    options = ["--date-format", "%d/%m/%Y %H:%M", "--encoding", "cp1252"]
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    monkeypatch.chdir(tmp_path)
    argv = [*flags, *options, "--timezone", "Europe/Amsterdam"]
    code = main(["--warehouse", str(warehouse), "analyze", str(log), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "tickets.csv: 4 read, 4 accepted, 0 rejected" in out
    assert (tmp_path / "maps" / "tickets.yaml").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.sql(
            "select touchpoint, occurred_at::varchar from marts.events order by occurred_at"
        ).fetchall()
    assert found == [
        ("Geöffnet", "2026-01-05 08:00:00+00"),  # winter time, 5 January (day first)
        ("Gelöst", "2026-01-06 09:30:00+00"),
        ("Geöffnet", "2026-03-31 00:30:00+00"),  # summer time from 29 March
        ("Gelöst", "2026-03-31 14:00:00+00"),
    ]


def test_import_log_of_a_file_whose_every_row_is_rejected_exits_1_with_the_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheduled `journeys import-log` of a day-first export must not report success: the
    summary with its reasons goes to stderr and the exit code is 1; the same file with
    --date-format then loads (exit 0)."""
    log = tmp_path / "tickets.csv"
    log.write_text("ticket,step,when\nT-1,Opened,25/03/2026 09:00\nT-1,Closed,26/03/2026 10:00\n")
    flags = ["--case-col", "ticket", "--activity-col", "step", "--timestamp-col", "when"]
    head = ["--warehouse", str(tmp_path / "wh" / "journeys.duckdb"), "import-log", str(log)]
    assert main([*head, *flags]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "tickets.csv: 2 read, 0 accepted, 2 rejected" in err
    assert "--date-format '%d/%m/%Y %H:%M'" in err
    assert "no event was accepted" in err
    assert main([*head, *flags, "--date-format", "%d/%m/%Y %H:%M"]) == 0
    out, _ = capsys.readouterr()
    assert "2 read, 2 accepted, 0 rejected" in out


def test_periods_follow_the_configured_time_zone(tmp_path: Path, capsys):
    """A New York shop's evening tickets: by UTC they were counted in the next day (and the
    last evening of March in April); with drift.timezone they are the day and month they
    happened in. Changing the zone measures the history again: no UTC period stays."""
    log = tmp_path / "tickets.csv"
    log.write_text(
        "case,activity,at\n"
        "T1,Open,2026-03-01T22:30:00-05:00\nT1,Escalate,2026-03-01T23:00:00-05:00\n"
        "T1,Close,2026-03-01T23:40:00-05:00\n"
        "T2,Open,2026-03-02T10:00:00-05:00\nT2,Escalate,2026-03-02T11:00:00-05:00\n"
        "T2,Close,2026-03-02T12:00:00-05:00\n"
        "T3,Open,2026-03-31T22:00:00-04:00\nT3,Close,2026-03-31T23:00:00-04:00\n"
    )
    ticket_map = tmp_path / "tickets.yaml"
    ticket_map.write_text(
        "name: tickets\ngoal: Close\nentry: [Open]\nexit: [Close]\n"
        "stages:\n  - name: All\n    steps:\n      - name: Open\n      - name: Close\n"
    )
    warehouse = tmp_path / "wh" / "journeys.duckdb"

    def periods(zone: str) -> tuple[list[str], list[str]]:
        config = tmp_path / f"{zone.replace('/', '-')}.yaml"
        config.write_text(f"min_support: 1\ndrift:\n  grain: day\n  timezone: {zone}\n")
        given = ("--warehouse", str(warehouse))
        if not warehouse.exists():
            run(capsys, *given, "import-log", str(log), "--case-col", "case",
                "--activity-col", "activity", "--timestamp-col", "at")  # fmt: skip
            run(capsys, *given, "build", "--config", str(config))
        run(capsys, *given, "compare", "--map", str(ticket_map), "--config", str(config))
        with duckdb.connect(str(warehouse), read_only=True) as con:
            days = con.sql(
                "SELECT DISTINCT strftime(period, '%m-%d') FROM marts.map_gap_history ORDER BY 1"
            ).fetchall()
            months = con.sql("SELECT period FROM marts.map_journeys ORDER BY journey_id").fetchall()
        return [d for (d,) in days], [m for (m,) in months]

    # the gap (Escalate) of T1 and T2: two New York days, one UTC day
    assert periods("America/New_York") == (["03-01", "03-02"], ["2026-03"] * 3)
    assert periods("UTC") == (["03-02"], ["2026-03", "2026-03", "2026-04"])
    assert periods("America/New_York")[0] == ["03-01", "03-02"]
