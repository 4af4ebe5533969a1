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


def test_a_partitioned_build_keeps_the_same_cases_in_flight(tmp_path: Path, helpdesk_csv: Path):
    """The live extract's horizons reach every partition job (int_case_horizons is stored in
    the customer partitions): three partitions give the statuses of one process."""
    from journeys import steps
    from journeys.config import Settings
    from journeys.publish import open_published

    statuses = []
    for parts in (1, 3):
        settings = Settings(warehouse=tmp_path / f"p{parts}" / "wh.duckdb", partitions=parts)
        steps.import_event_log(
            settings,
            helpdesk_csv,
            case_col="case_id",
            activity_col="activity",
            timestamp_col="timestamp",
            open_cases_horizon=14 * 86400,
        )
        steps.build_marts(settings)
        with open_published(settings) as wh:
            statuses.append(wh.read_table("marts.journeys", columns=["journey_id", "status"]))
    one, three = (s.sort("journey_id") for s in statuses)
    assert one.filter(pl.col("status") == "in_flight").height == 47
    assert one.equals(three)
