"""Imported logs are historical by default: every case is completed, as process-mining tools
read them; ``--open-cases-horizon`` marks a live extract (the real help-desk log)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from journeys.cli import main

COLUMNS = ["--case-col", "case_id", "--activity-col", "activity", "--timestamp-col", "timestamp"]


def _import_and_build(warehouse: Path, log: Path, *options: str) -> pl.DataFrame:
    from journeys.warehouse import Warehouse

    assert main(["--warehouse", str(warehouse), "import-log", str(log), *COLUMNS, *options]) == 0
    assert main(["--warehouse", str(warehouse), "build"]) == 0
    with Warehouse(warehouse, read_only=True) as wh:
        return wh.read_table("marts.journeys", columns=["journey_id", "status", "last_touchpoint"])


def test_an_imported_log_has_no_case_in_flight(tmp_path: Path, helpdesk_csv: Path):
    journeys = _import_and_build(tmp_path / "wh.duckdb", helpdesk_csv)
    assert journeys.height == 4580
    assert journeys["status"].unique().to_list() == ["completed"]


def test_a_live_extract_keeps_its_recent_cases_in_flight(tmp_path: Path, helpdesk_csv: Path):
    journeys = _import_and_build(
        tmp_path / "wh.duckdb", helpdesk_csv, "--open-cases-horizon", "14d"
    )
    in_flight = journeys.filter(pl.col("status") == "in_flight")
    # the cases with an event in the last 14 days of the log, as before the default changed
    assert in_flight.height == 47
    assert in_flight.filter(pl.col("last_touchpoint") == "Closed").height == 40
    assert set(journeys["status"]) == {"completed", "in_flight"}


def test_an_open_cases_horizon_must_be_a_duration(tmp_path: Path, helpdesk_csv: Path, capsys):
    args = ["--warehouse", str(tmp_path / "wh.duckdb"), "import-log", str(helpdesk_csv), *COLUMNS]
    assert main([*args, "--open-cases-horizon", "soon"]) == 2
    assert "--open-cases-horizon: 'soon' is not a duration" in capsys.readouterr().err
