"""The observed Sankey: the bands of sql/queries/report/sankey_links.sql (reconciliation, repeats
collapsed, depth and coverage) and their nodes as report/sankey.py names them."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import map_journeys_frame
from journeys.errors import ReportError
from journeys.report import inputs as read
from journeys.report.sankey import SankeyData, choose_depth, sankey_data
from journeys.report.sections import sankey
from journeys.warehouse import Warehouse

STEPS = frozenset({"A", "B", "C"})
EDGES = frozenset({("A", "B"), ("B", "C")})


def bands(wh: Warehouse, paths, *, depth: int = 10, coverage: float = 0.8, **columns):
    wh.write_table("marts.map_journeys", map_journeys_frame(paths, **columns))
    return read.sankey_links(wh, "m", depth=depth, coverage=coverage)


def drawn(links: pl.DataFrame, *, depth: int = 10, coverage: float = 0.8) -> SankeyData:
    return sankey_data(
        links, designed_steps=STEPS, designed_edges=EDGES, depth=depth, coverage=coverage
    )


def assert_reconciles(data: SankeyData, journeys: int) -> None:
    """At every step node, journeys in = journeys going on + journeys ending there; every
    journey ends in exactly one node of the last column."""
    links = data.links
    assert data.total_journeys == journeys
    for node in data.nodes.iter_rows(named=True):
        into = links.filter(pl.col("target") == node["node"])["journeys"].sum()
        out = links.filter(pl.col("source") == node["node"])["journeys"].sum()
        if node["kind"] == "start":
            assert (into, out) == (0, journeys)
        elif node["kind"] == "step":
            assert into == out and node["journeys"] == into
        else:
            assert out == 0 and node["journeys"] == into
    last = data.nodes.filter(pl.col("kind").is_in(["end", "more", "other"]))
    assert int(last["journeys"].sum()) == journeys


def test_bands_reconcile_and_repeats_count_once(wh: Warehouse):
    paths = [["A", "B", "B", "C"], ["A", "B", "C"], ["A", "B"], ["A", "X", "C"], ["Z"]]
    status = ["completed", "completed", "abandoned", "in_flight", "abandoned"]
    data = drawn(bands(wh, paths, coverage=0.5, status=status))
    assert_reconciles(data, 5)
    step_b = data.nodes.filter((pl.col("kind") == "step") & (pl.col("touchpoint") == "B"))
    assert step_b["position"].to_list() == [2]  # B, B is one step: no node at position 3
    assert step_b["journeys"].to_list() == [3]
    # [A, B, C] (twice: one had B twice) covers 40%, so one more path is drawn
    assert data.covered >= 0.5 and data.other_journeys == 5 - round(data.covered * 5)
    kinds = dict(zip(data.links["target_label"], data.links["kind"], strict=False))
    assert kinds["B"] == "designed" and kinds.get("X", "off_map") == "off_map"


def test_the_drawn_paths_cover_at_least_the_coverage(wh: Warehouse):
    paths = [["A", "B"]] * 6 + [["A", "C"]] * 3 + [["A", "X"], ["B"], ["C", "A"]]
    for coverage, covered in ((0.5, 6 / 12), (0.6, 9 / 12), (0.75, 9 / 12), (0.8, 10 / 12)):
        data = drawn(bands(wh, paths, coverage=coverage), coverage=coverage)
        assert data.covered == pytest.approx(covered), coverage
        assert_reconciles(data, 12)


def test_paths_longer_than_the_depth_continue(wh: Warehouse):
    paths = [["A", "B", "C", "A", "B"]] * 3 + [["A", "B"]]
    data = drawn(bands(wh, paths, depth=2, coverage=1.0), depth=2)
    assert data.drawn_depth == 2 and data.continues
    more = data.nodes.filter(pl.col("kind") == "more")
    assert more["journeys"].to_list() == [3] and more["label"].to_list() == [
        "Continues after step 2"
    ]
    ends = data.nodes.filter(pl.col("kind") == "end")
    assert ends["label"].to_list() == ["End: completed"] and ends["journeys"].to_list() == [1]


def test_a_segment_or_a_period_is_a_view_of_its_own_journeys(wh: Warehouse):
    paths = [["A", "B"], ["A", "B"], ["A", "C"], ["B"]]
    wh.write_table(
        "marts.map_journeys",
        map_journeys_frame(
            paths,
            segment=["retail", None, None, "retail"],
            period=["2026-01", "2026-02", "2026-02", "2026-02"],
        ),
    )
    retail = read.sankey_links(wh, "m", depth=5, coverage=1.0, segment="retail")
    assert_reconciles(drawn(retail), 2)
    none = read.sankey_links(wh, "m", depth=5, coverage=1.0, segment="(no segment)")
    assert_reconciles(drawn(none), 2)
    february = read.sankey_links(wh, "m", depth=5, coverage=1.0, period="2026-02")
    assert_reconciles(drawn(february), 3)
    views = read.map_views(wh, "m")
    assert views.filter(pl.col("kind") == "segment").rows() == [
        ("segment", "(no segment)", 2),
        ("segment", "retail", 2),
    ]


def test_the_depth_shrinks_until_no_column_is_too_busy(wh: Warehouse):
    paths = [["A", t] for t in "BCDEFGH"] * 2 + [["A"]]
    wh.write_table("marts.map_journeys", map_journeys_frame(paths))

    def query(depth: int, coverage: float) -> pl.DataFrame:
        return read.sankey_links(wh, "m", depth=depth, coverage=coverage)

    # seven second steps: at most three a column fit only one step, even covering half
    depth, share, links = choose_depth(query, max_depth=4, max_column=3, coverage=1.0)
    assert (depth, share) == (1, 1.0) and drawn(links, depth=1).drawn_depth == 1
    depth, share, links = choose_depth(query, max_depth=4, max_column=8, coverage=1.0)
    assert (depth, share) == (4, 1.0)
    assert drawn(links, depth=4).drawn_depth == 2  # seven at step 2 fit eight
    with pytest.raises(ReportError, match="depth=0"):
        choose_depth(query, max_depth=0, max_column=3, coverage=1.0)


def test_many_different_paths_are_drawn_three_steps_deep_covering_less(wh: Warehouse):
    """A purchase-to-pay log's journeys took 2,331 different paths (a rework anywhere in the
    order): 80 % of them fitted seven nodes a column only two steps deep, and its Sankey drew
    Start, 'Create Purchase Requisition', 'Approve Requisition' and nothing more. Its paths are
    drawn three steps deep now, covering the most that fits there, and the page says so."""
    backbone = ["A", "B", "C", "D"]
    reworks = [[*backbone[:k], f"R{r}", *backbone[k:]] for k in (1, 2, 3) for r in range(9)]
    paths = [backbone] * 60 + reworks * 2  # 60 of 114 on the backbone
    wh.write_table("marts.map_journeys", map_journeys_frame(paths))

    def query(depth: int, coverage: float) -> pl.DataFrame:
        return read.sankey_links(wh, "m", depth=depth, coverage=coverage)

    depth, share, links = choose_depth(query, max_depth=6, max_column=7, coverage=0.8)
    assert depth >= 3 and 0.5 <= share < 0.8
    data = drawn(links, depth=depth, coverage=0.8)
    assert_reconciles(data, len(paths))
    assert share <= data.covered < 0.8
    page = sankey(data, "", "", narrow_data=None, filters=False).html
    assert "which the journeys' many different paths reach only fewer than 3 steps deep" in page
    # paths a map's usual journeys take: the coverage asked for, as before
    wh.write_table("marts.map_journeys", map_journeys_frame([backbone] * 60 + reworks[:3]))
    assert choose_depth(query, max_depth=6, max_column=7, coverage=0.8)[:2] == (6, 0.8)


PATHS = st.lists(
    st.lists(st.sampled_from(["A", "B", "C", "X"]), min_size=1, max_size=7),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paths=PATHS,
    depth=st.integers(1, 6),
    coverage=st.sampled_from([0.3, 0.8, 1.0]),
    statuses=st.lists(st.sampled_from(["completed", "abandoned", "in_flight"]), min_size=40),
)
def test_any_journeys_reconcile_and_cover_the_coverage(paths, depth, coverage, statuses):
    with Warehouse() as wh:
        links = bands(wh, paths, depth=depth, coverage=coverage, status=statuses[: len(paths)])
    data = drawn(links, depth=depth, coverage=coverage)
    assert_reconciles(data, len(paths))
    assert data.covered >= coverage - 1e-9
    assert data.drawn_depth <= depth
