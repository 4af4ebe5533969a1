"""The real help-desk log: our marts must reproduce the independently computed reference
figures (/work/shared/data/real/README.md) edge for edge."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from journeys.config import Settings
from journeys.mining import (
    build_mining,
    journeys_from_events,
    touchpoint_stats,
    transition_stats,
    variant_stats,
)
from journeys.paths import build_paths
from journeys.warehouse import Warehouse


def _int_events_from_csv(path: Path) -> pl.DataFrame:
    """int_events as import-log builds it: one case = one customer = one journey; seq is the row
    number in the file, so equal timestamps keep their file order."""
    raw = pl.read_csv(path, schema_overrides={"case_id": pl.String}).with_row_index("row")
    return raw.select(
        event_id=pl.col("case_id") + "#" + pl.col("row").cast(pl.String),
        source=pl.lit("log"),
        customer_key=pl.col("case_id"),
        case_id=pl.col("case_id"),
        occurred_at=pl.col("timestamp").str.to_datetime(time_zone="UTC"),
        seq=pl.col("row").cast(pl.Int64),
        event_type=pl.col("activity"),
        touchpoint=pl.col("activity"),
        channel=pl.lit(None, pl.String),
        team=pl.lit(None, pl.String),
        system=pl.lit(None, pl.String),
        value=pl.lit(0.0),
        batch_id=pl.lit("b1"),
        thread_id=pl.lit(None, pl.String),
        topic=pl.lit(None, pl.String),  # no support category
    )


@pytest.fixture(scope="module")
def helpdesk_marts(helpdesk_csv: Path) -> dict[str, pl.DataFrame]:
    with Warehouse() as wh:
        wh.write_table("intermediate.int_events", _int_events_from_csv(helpdesk_csv))
        build_paths(wh, Settings(), full=True)
        build_mining(wh, Settings())
        return {
            name: wh.read_table(f"marts.{name}")
            for name in ("journeys", "transitions", "variants", "touchpoints", "events")
        }


def _check_reference(marts: dict[str, pl.DataFrame], dfg_path: Path) -> None:
    transitions = marts["transitions"]
    assert transitions.height == 55
    assert transitions["transitions"].sum() == 16768
    reference = pl.read_csv(dfg_path)
    joined = reference.join(
        transitions,
        left_on=["source", "target"],
        right_on=["from_touchpoint", "to_touchpoint"],
        how="full",
        coalesce=True,
    )
    assert joined.height == 55
    assert joined["frequency"].to_list() == joined["transitions"].to_list()
    assert joined["median_seconds"].to_list() == joined["median_seconds_right"].to_list()

    variants = marts["variants"].sort("rank")
    assert variants.height == 226
    top = variants.row(0, named=True)
    assert top["journeys"] == 2366
    assert top["path"] == [
        "Assign seriousness",
        "Take in charge ticket",
        "Resolve ticket",
        "Closed",
    ]
    assert variants["cumulative_share"][-1] == pytest.approx(1.0)

    journeys = marts["journeys"]
    assert journeys.height == 4580
    assert journeys["n_steps"].sum() == 21348
    touchpoints = marts["touchpoints"]
    assert touchpoints.height == 14
    assert touchpoints["starts"].sum() == touchpoints["ends"].sum() == 4580
    # every event is either followed by a transition or is its journey's last
    assert touchpoints["events"].sum() == 16768 + 4580


def test_helpdesk_marts_match_the_reference_figures(helpdesk_marts, helpdesk_csv: Path):
    _check_reference(helpdesk_marts, helpdesk_csv.with_name("helpdesk.dfg.csv"))


def test_helpdesk_cases_stay_whole_journeys(helpdesk_marts, helpdesk_csv: Path):
    journeys = helpdesk_marts["journeys"]
    raw = pl.read_csv(helpdesk_csv, columns=["case_id"])
    assert journeys["journey_id"].sort().to_list() == raw["case_id"].unique().sort().to_list()
    # a historical log (no live import says otherwise): every case is finished
    assert set(journeys["status"]) == {"completed"}


def test_helpdesk_polars_twins_equal_the_sql_marts(helpdesk_marts):
    events = helpdesk_marts["events"]
    twins = {
        "touchpoints": touchpoint_stats(events),
        "transitions": transition_stats(events),
        "variants": variant_stats(journeys_from_events(events)),
    }
    for name, twin in twins.items():
        assert_frame_equal(helpdesk_marts[name], twin, check_exact=False, rel_tol=1e-9)


def test_helpdesk_through_import_log(helpdesk_csv: Path):
    eventlog = pytest.importorskip("journeys.ingest.eventlog")
    from journeys.build import build_events

    with Warehouse() as wh:
        eventlog.import_log(
            wh,
            Settings(),
            helpdesk_csv,
            case_col="case_id",
            activity_col="activity",
            timestamp_col="timestamp",
            channel_col=None,
            fmt=None,
        )
        build_events(wh, Settings())
        build_paths(wh, Settings(), full=True)
        build_mining(wh, Settings())
        marts = {
            name: wh.read_table(f"marts.{name}")
            for name in ("journeys", "transitions", "variants", "touchpoints")
        }
    _check_reference(marts, helpdesk_csv.with_name("helpdesk.dfg.csv"))
