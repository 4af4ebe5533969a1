"""Your own event log to a report with no configuration: import-log → build → suggest-map →
compare → report, through the command line, as a new user would (issue #17)."""

from __future__ import annotations

import gzip
import html
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from journeys.cli import main
from journeys.report.text import format_count
from journeys.report.units import format_share

FIXTURES = Path(__file__).parent / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, f"journeys {' '.join(argv)} exited {code}: {err}"
    return out


def marts(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


def check_report(capsys, tmp_path: Path, warehouse: Path, map_name: str) -> None:
    """suggest-map → compare → report with no configuration; the page shows the marts' numbers."""
    first = tmp_path / "maps" / "first.yaml"
    out = run(capsys, "--warehouse", str(warehouse), "suggest-map", "--out", str(first))
    assert "discovered 'first'" in out and first.exists()
    assert yaml.safe_load(first.read_text())["name"] == "first"
    out = run(capsys, "--warehouse", str(warehouse), "compare", "--map", str(first))
    assert out.startswith("first: ")
    reports = tmp_path / "reports"
    run(capsys, "--warehouse", str(warehouse), "report", "--out", str(reports))
    page = (reports / "first.html").read_text(encoding="utf-8")
    assert "first.html" in (reports / "index.html").read_text(encoding="utf-8")
    conformance = marts(
        warehouse,
        "SELECT count(*) AS n, avg(CAST(is_conforming AS DOUBLE)) AS share "
        "FROM marts.map_conformance WHERE map_name = 'first'",
    ).row(0, named=True)
    assert conformance["n"] == marts(warehouse, "SELECT count(*) FROM marts.journeys").item()
    assert f">{format_count(conformance['n'])}<" in page
    assert f">{format_share(conformance['share'])}<" in page
    steps = marts(
        warehouse,
        "SELECT step, journeys_reached, sla_breaches FROM marts.map_steps WHERE map_name = 'first'",
    )
    funnel = page[page.index('<section id="funnel"') :]
    funnel = funnel[: funnel.index("</section>")]
    shown = {
        html.unescape(step): (count, late or "0")
        for step, count, late in re.findall(
            r"<span>([^<]+): ([\d,]+)(?: · ([\d,]+) late)?</span>", funnel
        )
    }
    expected = {s: (format_count(n), format_count(b)) for s, n, b in steps.iter_rows()}
    assert steps.height and shown == expected
    stored = marts(warehouse, "SELECT map_name, definition FROM marts.maps")
    assert stored["map_name"].to_list() == [map_name]
    assert stored["definition"][0] == first.read_text(encoding="utf-8")
    # a map never compared, and one edited since: their pages say so, and so does the console
    other = first.with_name("other.yaml")
    other.write_text(first.read_text(encoding="utf-8").replace("name: first", "name: other"))
    argv = ("--warehouse", str(warehouse), "report", "--out", str(reports))
    out = run(capsys, *argv, "--map", str(first), "--map", str(other))
    assert out.splitlines()[1:] == [
        f"note: map 'other' is not compared yet, so its page shows no journeys: run "
        f"`journeys compare --map {other}`, then `journeys report`"
    ]
    first.write_text(first.read_text(encoding="utf-8") + "# SLAs to be agreed\n")
    out = run(capsys, *argv, "--map", str(first))
    assert out.splitlines()[1:] == [
        f"note: map 'first' changed since it was compared, so its page shows the comparison of "
        f"the version before: run `journeys compare --map {first}`, then `journeys report`"
    ]


def test_xes_gz_with_lifecycle_to_a_report_without_flags_or_configuration(tmp_path: Path, capsys):
    log = tmp_path / "orders.xes.gz"
    log.write_bytes(gzip.compress((FIXTURES / "orders.xes").read_bytes()))
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    out = run(capsys, "--warehouse", str(warehouse), "import-log", str(log))
    # 37 activities, each with a start and a complete event: the starts are left out
    assert "37 read, 37 accepted, 0 rejected" in out
    assert "10 cases, 5 activities; 37 events of other lifecycle transitions left out" in out
    run(capsys, "--warehouse", str(warehouse), "build")
    events = marts(
        warehouse, "SELECT journey_id, touchpoint, occurred_at FROM marts.events ORDER BY seq"
    )
    assert events.height == 37 and events["journey_id"].n_unique() == 10
    first = events.filter(pl.col("journey_id") == "order-1001").row(0, named=True)
    # the complete event of 'Place order', 09:02 at +01:00
    assert (first["touchpoint"], str(first["occurred_at"])) == (
        "Place order",
        "2024-03-04 08:02:00+00:00",
    )
    check_report(capsys, tmp_path, warehouse, "first")


def test_xes_lifecycle_all_keeps_the_starts_as_their_own_touchpoints(tmp_path: Path, capsys):
    warehouse = tmp_path / "journeys.duckdb"
    log = FIXTURES / "orders.xes"
    out = run(capsys, "--warehouse", str(warehouse), "import-log", str(log), "--lifecycle", "all")
    assert "74 read, 74 accepted" in out and "left out" not in out
    run(capsys, "--warehouse", str(warehouse), "build")
    touchpoints = set(marts(warehouse, "SELECT touchpoint FROM marts.touchpoints")["touchpoint"])
    assert {"Place order (start)", "Place order", "Ship (start)", "Ship"} <= touchpoints


def test_ocel_json_flattened_on_orders_to_a_report(tmp_path: Path, capsys):
    log = tmp_path / "orders.json"
    shutil.copy(FIXTURES / "orders.ocel.json", log)
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    assert main(["--warehouse", str(warehouse), "import-log", str(log)]) == 1
    err = capsys.readouterr().err
    assert "--object-type is missing" in err and "item (10 objects), order (8 objects)" in err
    out = run(
        capsys, "--warehouse", str(warehouse), "import-log", str(log), "--object-type", "order"
    )
    assert "34 read, 34 accepted, 0 rejected" in out and "8 cases, 6 activities" in out
    run(capsys, "--warehouse", str(warehouse), "build")
    o5 = marts(
        warehouse,
        "SELECT touchpoint, occurred_at FROM marts.events WHERE journey_id = 'o5' ORDER BY seq",
    )
    assert o5["touchpoint"].to_list() == [
        "place order",
        "confirm order",
        "pick item",
        "send package",
        "pay order",
    ]
    assert str(o5["occurred_at"][0]) == "2024-05-03 07:15:00+00:00"  # +02:00 in the file
    check_report(capsys, tmp_path, warehouse, "first")


def test_build_with_nothing_loaded_says_what_to_run(tmp_path: Path, capsys):
    assert main(["--warehouse", str(tmp_path / "journeys.duckdb"), "build"]) == 1
    err = capsys.readouterr().err
    assert "nothing is loaded yet" in err and "journeys import-log FILE" in err


def test_compare_names_the_closest_touchpoint_of_a_step_that_never_occurs(tmp_path: Path, capsys):
    warehouse = tmp_path / "journeys.duckdb"
    run(capsys, "--warehouse", str(warehouse), "import-log", str(FIXTURES / "orders.xes"))
    run(capsys, "--warehouse", str(warehouse), "build")
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        "name: typo\nstages:\n  - name: All\n    steps:\n"
        "      - name: place Order\n      - name: Pick items\n      - name: Shipping\n"
    )
    out = run(capsys, "--warehouse", str(warehouse), "compare", "--map", str(typo))
    assert "warning: 'place Order' never occurs; did you mean 'Place order'?" in out
    assert "warning: 'Shipping' never occurs; did you mean 'Ship'" in out
    assert "'Pick items' never occurs" not in out
