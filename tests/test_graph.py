"""The networkx journey graph and the path questions asked of it."""

from __future__ import annotations

import math

import networkx as nx
import polars as pl
import pytest

from journeys.errors import BuildError
from journeys.mining import (
    build_graph,
    find_bottlenecks,
    graph_edges,
    likely_paths,
    load_graph,
    paths_covering,
    top_paths,
)
from journeys.warehouse import Warehouse


def _touchpoints(*rows: tuple[str, int, int]) -> pl.DataFrame:
    """Rows (touchpoint, starts, ends); events/journeys/customers are filler."""
    return pl.DataFrame(
        {
            "touchpoint": [r[0] for r in rows],
            "events": [10] * len(rows),
            "journeys": [10] * len(rows),
            "customers": [10] * len(rows),
            "starts": [r[1] for r in rows],
            "ends": [r[2] for r in rows],
        }
    )


def _transitions(*rows: tuple[str, str, int, float]) -> pl.DataFrame:
    """Rows (from, to, transitions, median_seconds)."""
    return pl.DataFrame(
        {
            "from_touchpoint": [r[0] for r in rows],
            "to_touchpoint": [r[1] for r in rows],
            "transitions": [r[2] for r in rows],
            "journeys": [r[2] for r in rows],
            "customers": [r[2] for r in rows],
            "median_seconds": [r[3] for r in rows],
            "p90_seconds": [r[3] * 2 for r in rows],
        }
    )


TOUCHPOINTS = _touchpoints(("Visit", 10, 0), ("Cart", 0, 2), ("Help", 0, 0), ("Pay", 0, 8))
TRANSITIONS = _transitions(
    ("Visit", "Cart", 8, 60.0),
    ("Visit", "Help", 2, 30.0),
    ("Help", "Cart", 2, 600.0),
    ("Cart", "Pay", 8, 120.0),
)


def test_graph_nodes_and_edges_carry_the_mart_counts():
    graph = build_graph(TOUCHPOINTS, TRANSITIONS)
    assert isinstance(graph, nx.DiGraph)
    assert set(graph.nodes) == {"Visit", "Cart", "Help", "Pay"}
    assert graph.nodes["Pay"]["ends"] == 8
    assert graph["Help"]["Cart"] == {
        "transitions": 2,
        "journeys": 2,
        "customers": 2,
        "median_seconds": 600.0,
        "p90_seconds": 1200.0,
    }
    assert (
        graph_edges(graph)
        .sort("from_touchpoint", "to_touchpoint")
        .equals(TRANSITIONS.sort("from_touchpoint", "to_touchpoint"))
    )


def test_graph_from_the_warehouse_needs_the_marts(wh: Warehouse):
    with pytest.raises(BuildError, match="marts.touchpoints: table not found"):
        load_graph(wh)
    wh.write_table("marts.touchpoints", TOUCHPOINTS)
    wh.write_table("marts.transitions", TRANSITIONS)
    assert load_graph(wh).number_of_edges() == 4


def test_likely_paths_rank_simple_paths_by_probability():
    graph = build_graph(TOUCHPOINTS, TRANSITIONS)
    paths = likely_paths(graph, source="Visit", target="Pay", k=5)
    assert paths["path"].to_list() == [["Visit", "Cart", "Pay"], ["Visit", "Help", "Cart", "Pay"]]
    # Visit->Cart 8/10, Cart->Pay 8/(8 + 2 ends)
    assert paths["probability"][0] == pytest.approx(0.8 * 0.8)
    assert paths["probability"][1] == pytest.approx(0.2 * 1.0 * 0.8)
    assert likely_paths(graph, source="Pay", target="Visit").is_empty()
    with pytest.raises(BuildError, match="'Nowhere' is not in the graph"):
        likely_paths(graph, source="Nowhere", target="Pay")


def test_bottlenecks_are_the_slowest_edges_with_enough_volume():
    slow = find_bottlenecks(TRANSITIONS, min_transitions=3)
    assert list(zip(slow["from_touchpoint"], slow["to_touchpoint"], strict=True)) == [
        ("Cart", "Pay"),
        ("Visit", "Cart"),
    ]
    assert slow["waiting_hours"][0] == pytest.approx(8 * 120 / 3600)
    assert find_bottlenecks(TRANSITIONS, min_transitions=1, top=1)["from_touchpoint"].to_list() == [
        "Help"
    ]


VARIANTS = pl.DataFrame(
    {
        "rank": [1, 2, 3, 4],
        "path": [["A"], ["A", "B"], ["B"], ["C"]],
        "journeys": [50, 30, 15, 5],
        "share": [0.5, 0.3, 0.15, 0.05],
        "cumulative_share": [0.5, 0.8, 0.95, 1.0],
    }
)


def test_top_paths_and_paths_covering_a_share():
    assert top_paths(VARIANTS, k=2)["path"].to_list() == [["A"], ["A", "B"]]
    assert paths_covering(VARIANTS, share=0.8)["rank"].to_list() == [1, 2]
    assert paths_covering(VARIANTS, share=0.81)["rank"].to_list() == [1, 2, 3]
    assert paths_covering(VARIANTS, share=1.0).height == 4
    assert math.isclose(paths_covering(VARIANTS, share=0.5)["share"].sum(), 0.5)
    with pytest.raises(BuildError, match="not in \\(0, 1\\]"):
        paths_covering(VARIANTS, share=0)
