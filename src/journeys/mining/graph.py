"""The journey graph (networkx) and the analyst's path questions.

Nodes are touchpoints (``marts.touchpoints`` columns as attributes), edges are directly-follows
transitions (``marts.transitions`` columns as attributes). Build it from the marts
(``load_graph``) or from any selection's frames (``build_graph`` with ``touchpoint_stats`` /
``transition_stats``). Answers are polars frames.
"""

from __future__ import annotations

import math
from itertools import islice
from typing import TYPE_CHECKING

import networkx as nx
import polars as pl

from journeys.errors import BuildError
from journeys.mining.stats import require_columns
from journeys.warehouse import Warehouse

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

NODE_COLUMNS = ("touchpoint", "events", "journeys", "customers", "starts", "ends")
EDGE_COLUMNS = (
    "from_touchpoint", "to_touchpoint", "transitions", "journeys", "customers", "median_seconds",
    "p90_seconds",
)  # fmt: skip


def build_graph(touchpoints: pl.DataFrame, transitions: pl.DataFrame) -> nx.DiGraph[str]:
    """A DiGraph: one node per touchpoint, one edge per transition, counts and times as data."""
    require_columns(touchpoints, NODE_COLUMNS, what="touchpoints")
    require_columns(transitions, EDGE_COLUMNS, what="transitions")
    graph: nx.DiGraph[str] = nx.DiGraph()
    for row in touchpoints.select(NODE_COLUMNS).iter_rows(named=True):
        graph.add_node(row.pop("touchpoint"), **row)
    for row in transitions.select(EDGE_COLUMNS).iter_rows(named=True):
        source, target = row.pop("from_touchpoint"), row.pop("to_touchpoint")
        graph.add_edge(source, target, **row)
    return graph


def load_graph(wh: Warehouse) -> nx.DiGraph[str]:
    """The journey graph of the whole warehouse, from ``marts.touchpoints`` and ``transitions``."""
    for table in ("marts.touchpoints", "marts.transitions"):
        if not wh.table_exists(table):
            raise BuildError(f"{table}: table not found; run `journeys build` first")
    return build_graph(
        wh.read_table("marts.touchpoints", columns=list(NODE_COLUMNS)),
        wh.read_table("marts.transitions", columns=list(EDGE_COLUMNS)),
    )


def top_paths(variants: pl.DataFrame, *, k: int = 10) -> pl.DataFrame:
    """The ``k`` most frequent observed paths (``marts.variants`` or ``variant_stats``)."""
    require_columns(variants, ("rank", "path", "journeys", "share"), what="variants")
    return variants.sort("rank").head(k)


def paths_covering(variants: pl.DataFrame, *, share: float = 0.8) -> pl.DataFrame:
    """The fewest top variants that together cover at least ``share`` of the journeys."""
    if not 0.0 < share <= 1.0:
        raise BuildError(f"paths_covering: share {share} is not in (0, 1]; use e.g. 0.8")
    require_columns(variants, ("rank", "cumulative_share"), what="variants")
    ranked = variants.sort("rank")
    before = ranked["cumulative_share"].shift(1, fill_value=0.0)
    # a tiny tolerance: cumulative shares are sums of floats
    return ranked.filter(before < share - 1e-12)


def likely_paths(graph: nx.DiGraph[str], *, source: str, target: str, k: int = 5) -> pl.DataFrame:
    """The ``k`` most probable simple paths from ``source`` to ``target`` in the graph.

    A step u -> v has probability transitions(u, v) / (all transitions out of u + journeys
    ending at u); a path's probability is the product, so it is the chance that a journey at
    ``source`` walks exactly this path (a first-order model, unlike observed ``top_paths``).
    """
    for node in (source, target):
        if node not in graph:
            raise BuildError(
                f"likely_paths: touchpoint '{node}' is not in the graph; check its name"
            )
    weighted: nx.DiGraph[str] = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        out = sum(d["transitions"] for _, _, d in graph.out_edges(node, data=True))
        leaving = out + data.get("ends", 0)
        for _, successor, edge in graph.out_edges(node, data=True):
            probability = edge["transitions"] / leaving
            weighted.add_edge(node, successor, cost=-math.log(probability), p=probability)
    rows = []
    if source in weighted and target in weighted and nx.has_path(weighted, source, target):
        found = nx.shortest_simple_paths(weighted, source, target, weight="cost")
        for rank, path in enumerate(islice(found, k), start=1):
            cost = sum(weighted[u][v]["cost"] for u, v in zip(path, path[1:], strict=False))
            rows.append({"rank": rank, "path": path, "probability": math.exp(-cost)})
    schema: dict[str, PolarsDataType] = {
        "rank": pl.Int64,
        "path": pl.List(pl.String),
        "probability": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def find_bottlenecks(
    transitions: pl.DataFrame, *, min_transitions: int = 20, top: int = 10
) -> pl.DataFrame:
    """The slowest transitions among those with at least ``min_transitions`` pairs.

    Sorted by median_seconds (slowest first); ``waiting_hours`` = transitions x median / 3600
    tells how much journey time the edge holds, to weigh slowness against volume.
    """
    require_columns(transitions, EDGE_COLUMNS, what="transitions")
    return (
        transitions.filter(pl.col("transitions") >= min_transitions)
        .with_columns(waiting_hours=pl.col("transitions") * pl.col("median_seconds") / 3600.0)
        .sort(
            ["median_seconds", "transitions", "from_touchpoint", "to_touchpoint"],
            descending=[True, True, False, False],
        )
        .head(top)
    )


def graph_edges(graph: nx.DiGraph[str]) -> pl.DataFrame:
    """The graph's edges back as a frame (``marts.transitions`` columns), e.g. after pruning."""
    rows = [
        {"from_touchpoint": u, "to_touchpoint": v, **{c: d.get(c) for c in EDGE_COLUMNS[2:]}}
        for u, v, d in graph.edges(data=True)
    ]
    schema = {c: pl.String for c in EDGE_COLUMNS[:2]} | {
        "transitions": pl.Int64, "journeys": pl.Int64, "customers": pl.Int64,
        "median_seconds": pl.Float64, "p90_seconds": pl.Float64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)
