"""import-log: any event log becomes journeys; the help-desk log gives the reference figures."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

from journeys.build import build_events
from journeys.config import Settings
from journeys.errors import IngestError
from journeys.ingest.eventlog import import_log
from journeys.ingest.xes import read_xes
from journeys.warehouse import Warehouse

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
    build_events(wh, Settings())
    cases = wh.read_table("intermediate.int_events")["case_id"].unique().sort().to_list()
    assert cases == ["NA", "null"]


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
