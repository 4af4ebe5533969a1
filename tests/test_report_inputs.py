"""What the report reads from DuckDB (report/inputs.py) draws the same charts as the per-journey
frames the chart functions were written for: grouped journeys plus DuckDB's link medians give
exactly the Sankey of one row per journey plus polars' step times, in every filter view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from builders import Journey, write_journey_marts
from journeys.report import inputs as read
from journeys.report.charts import (
    count_journeys,
    sankey_data,
    sankey_layout,
    scoped_journeys,
    step_times,
)
from journeys.report.filters import filter_journeys, view_data
from journeys.warehouse import Warehouse

STEPS = pl.DataFrame({"step": ["A", "B", "C", "D"]})
EDGES = pl.DataFrame({"from_step": ["A", "B", "C"], "to_step": ["B", "C", "D"]})
TEMPLATES = [
    ["A", "B", "C", "D"],
    ["A", "B", "C", "D"],
    ["A", "B", "D"],
    ["A", "X", "B", "C"],
    ["A", "B"],
    ["B", "C", "D", "D"],
    ["X", "Y"],
    ["A"],
]


@pytest.fixture
def wh(tmp_path):
    """120 journeys from the templates, with 'Noise' steps to ignore, three segments and none,
    four start months, three statuses; events a random 1 s .. 3 h apart."""
    rng = np.random.default_rng(3)
    journeys = []
    for i in range(120):
        path = list(TEMPLATES[int(rng.integers(0, len(TEMPLATES)))])
        if rng.random() < 0.3:
            path.insert(int(rng.integers(0, len(path) + 1)), "Noise")
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 110)))
        gaps = [int(rng.integers(1_000, 3 * 3_600_000)) / 1000 for _ in path[1:]]
        journeys.append(
            Journey(
                id=f"j{i:04d}",
                path=path,
                start=start,
                seconds=[0, *gaps],
                segment=[None, "retail", "business", "public"][int(rng.integers(0, 4))],
                status=["completed", "abandoned", "in_flight"][int(rng.integers(0, 3))],
            )
        )
    warehouse = Warehouse(tmp_path / "w.duckdb")
    write_journey_marts(warehouse, journeys)
    yield warehouse
    warehouse.close()


def _grouped(wh, ignored, *, cap=read.MEDIAN_JOURNEYS, top_k=10):
    steps = STEPS["step"].to_list()
    groups = read.journey_groups(wh, ignored=ignored, steps=steps)
    views = view_data(groups)
    layouts = [
        sankey_layout(filter_journeys(groups, v), designed_steps=STEPS, top_k=top_k) for v in views
    ]
    medians = read.link_seconds(
        wh,
        ignored=ignored,
        steps=steps,
        groups=groups,
        views=views,
        layouts=layouts,
        cap=cap,
    )
    return groups, views, medians


@pytest.mark.parametrize("ignored", [(), ("Noise",)])
@pytest.mark.parametrize("top_k", [1, 3, 10])
def test_grouped_journeys_and_duckdb_medians_draw_the_per_journey_sankey(wh, ignored, top_k):
    groups, views, medians = _grouped(wh, ignored, top_k=top_k)
    journeys = scoped_journeys(
        wh.read_table("marts.journeys"), ignored=ignored, steps=STEPS["step"].to_list()
    )
    events = wh.read_table("marts.events")
    assert groups.height < journeys.height  # grouped: fewer rows than journeys
    assert view_data(journeys) == views
    assert len(views) > 3  # all, segments and months are all exercised
    times = step_times(events, ignored=ignored)
    timed = 0
    for i, view in enumerate(views):
        expected = sankey_data(
            filter_journeys(journeys, view),
            designed_steps=STEPS,
            designed_edges=EDGES,
            top_k=top_k,
            ignored=ignored,
            step_seconds=times,
        )
        got = sankey_data(
            filter_journeys(groups, view),
            designed_steps=STEPS,
            designed_edges=EDGES,
            top_k=top_k,
            link_seconds=medians.filter(pl.col("view") == i),
        )
        assert got.total_journeys == expected.total_journeys == view.journeys
        assert got.other_journeys == expected.other_journeys
        assert_frame_equal(got.nodes, expected.nodes)
        assert_frame_equal(got.paths, expected.paths)
        assert_frame_equal(got.links, expected.links, rel_tol=1e-12)
        timed += got.links["median_seconds"].drop_nulls().len()
    assert timed > 0


def test_medians_above_the_cap_come_from_a_fixed_sample_and_counts_stay_exact(wh):
    groups, views, full = _grouped(wh, ())
    _, _, sampled = _grouped(wh, (), cap=30)
    _, _, again = _grouped(wh, (), cap=30)
    assert read.sample_rate(count_journeys(groups), cap=30) < read.PER_MILLION
    assert read.sample_rate(20, cap=30) == read.PER_MILLION
    assert_frame_equal(sampled, again)  # the same sample every run
    assert 0 < sampled.height <= full.height
    joined = sampled.join(full, on=["view", "pos", "from_touchpoint", "to_touchpoint"])
    assert joined.height == sampled.height  # a sampled link is a real link
    assert (joined["median_seconds"] != joined["median_seconds_right"]).any()


def test_report_reads_name_the_missing_mart(tmp_path):
    from journeys.errors import ReportError

    with Warehouse(tmp_path / "empty.duckdb") as empty, pytest.raises(ReportError, match="build"):
        read.require_marts(empty)
