"""The journey as a process map: touchpoints as nodes, the moves between them as edges, the
assumed map overlaid, laid out by networkx so the designed order reads left to right.

Inputs are the rows of sql/queries/report/process_nodes.sql and process_edges.sql (the paths
of marts.map_journeys, consecutive repeats collapsed into each node's self-loop) and the map's
designed steps and edges. Each edge is one of:

- ``designed``: a designed transition journeys took;
- ``unused``: a designed transition nobody took (drawn dashed);
- ``off_map``: a move the map does not design (its own colour);
- ``start`` / ``end``: where journeys start and end (to_touchpoint / from_touchpoint is the
  node; drawn as short stubs into and out of it, blue at the map's entry and exit steps).

Layout: the designed steps get a column (``layer``) each from the designed graph without its
loops and backward edges: a step's column is the longest designed walk to it, so the map's order
reads left to right and alternatives (``next: [Email, Chat, Phone]``) share a column, stacked
(``lane``; the busiest in the middle). Touchpoints off the map sit between the columns of the
steps they connect (half columns), in lanes below the map's, never two close enough for their
labels to meet.

The frequency slider hides rare moves: ``levels`` are shares of journeys; at a level an edge is
shown when its journeys reach that share of the journeys in scope, and designed transitions
(taken or not) are always shown, as are the map's steps.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import polars as pl

LEVELS = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1)
"""Shares of the journeys in scope an edge needs to be drawn, one per slider position."""
MAX_SHOWN_EDGES = 24
"""The default slider position is the lowest level showing at most this many optional edges."""
MAX_DRAWN_EDGES = 150
"""The most optional edges the slider's lowest position may draw: the levels below the lowest
that stays within it are left off the slider (each drawn move weighs about 1 KB per layout:
a purchase-to-pay log's 2,400 moves made a 5 MB page, every one of them at "all")."""
OFF_MAP_GAP = 1.0
"""The least distance, in columns, between two off-map nodes of one lane."""


@dataclass(frozen=True)
class ProcessMap:
    """nodes: touchpoint, label, kind (designed/off_map/unreached), journeys, repeats,
    repeat_journeys, starts, ends, layer, lane, repeatable, level (the highest slider level it
    is drawn at, as an index into levels). edges: from_touchpoint, to_touchpoint (NULL: the
    journey starts / ends), kind (designed/unused/off_map/start/end), on_map (a start at an
    entry step, an end at an exit step), journeys, transitions, median_seconds, share, level
    (the highest level index it is drawn at)."""

    nodes: pl.DataFrame
    edges: pl.DataFrame
    levels: tuple[float, ...]
    default_level: int
    total_journeys: int
    hidden_edges: int = 0
    """Optional moves rarer than ``levels[0]`` left undrawn (MAX_DRAWN_EDGES)."""
    hidden_touchpoints: int = 0
    """Off-map touchpoints left undrawn with them (every move of theirs is that rare)."""

    @property
    def layers(self) -> float:
        return float(self.nodes["layer"].max() or 0)  # type: ignore[arg-type]


def designed_layers(steps: Sequence[str], edges: frozenset[tuple[str, str]]) -> dict[str, int]:
    """Each designed step's column: the longest designed walk to it, without loops and the edges
    that go back in file order (so a map with a loop back still reads left to right)."""
    order = {step: i for i, step in enumerate(steps)}
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(steps)
    graph.add_edges_from(
        (a, b) for a, b in edges if a in order and b in order and order[a] < order[b]
    )
    layers: dict[str, int] = {}
    for depth, generation in enumerate(nx.topological_generations(graph)):
        for step in generation:
            layers[step] = depth
    return layers


def _lanes(
    layers: dict[str, int], journeys: dict[str, int], order: dict[str, int]
) -> dict[str, float]:
    """The lane of each designed step: the busiest of a column on lane 0, the others above
    (negative) and below, alternately."""
    by_layer: dict[int, list[str]] = {}
    for step, layer in layers.items():
        by_layer.setdefault(layer, []).append(step)
    lanes: dict[str, float] = {}
    for steps in by_layer.values():
        steps.sort(key=lambda s: (-journeys.get(s, 0), order[s]))
        for i, step in enumerate(steps):
            lanes[step] = float((i + 1) // 2 * (-1 if i % 2 else 1))
    return lanes


def _off_map_layers(
    off_map: Sequence[str], edges: pl.DataFrame, layers: dict[str, float]
) -> dict[str, float]:
    """Half columns for the touchpoints off the map: the journey-weighted middle of the steps
    they come from (+0.5) and go to (-0.5), on the half column it falls in; those only next to other
    off-map touchpoints follow them (two passes), else sit after the last column."""
    placed = dict(layers)
    last = max(layers.values(), default=0.0)
    result: dict[str, float] = {}
    for _ in range(2):
        for touchpoint in off_map:
            total, weight = 0.0, 0
            for a, b, n in edges.select("from_touchpoint", "to_touchpoint", "journeys").iter_rows():
                if b == touchpoint and a in placed:
                    total, weight = total + (placed[a] + 0.5) * n, weight + n
                elif a == touchpoint and b in placed:
                    total, weight = total + (placed[b] - 0.5) * n, weight + n
            if weight:  # a half column, never on a step's column
                result[touchpoint] = min(max(math.floor(total / weight) + 0.5, 0.5), last + 0.5)
        placed.update(result)
    return {t: result.get(t, last + 0.5) for t in off_map}


def _off_map_lanes(
    xs: dict[str, float], journeys: dict[str, int], taken: dict[float, list[float]]
) -> dict[str, float]:
    """Lanes for the off-map touchpoints, busiest first, each in the lane nearest the map's
    (below it, then above it, alternately) with no node within OFF_MAP_GAP columns.
    ``taken``: the columns of the nodes already in each lane (the map's steps)."""
    low = max(taken, default=0.0)
    high = min(taken, default=0.0)
    lanes: dict[str, float] = {}
    for touchpoint in sorted(xs, key=lambda t: (-journeys.get(t, 0), t)):
        # as many lanes as it takes: 130 touchpoints between the same two steps ran out of
        # the 126 there were, and the report stopped
        lane = next(
            lane
            for k in itertools.count(1)
            for lane in (low + k, high - k)
            if all(abs(xs[touchpoint] - x) >= OFF_MAP_GAP for x in taken.get(lane, []))
        )
        taken.setdefault(lane, []).append(xs[touchpoint])
        lanes[touchpoint] = lane
    return lanes


def _edge_kinds(
    edges: pl.DataFrame,
    designed: frozenset[tuple[str, str]],
    entries: Sequence[str],
    exits: Sequence[str],
) -> pl.DataFrame:
    """Observed edges typed, plus the designed edges nobody took (journeys 0)."""
    pairs = pl.DataFrame(
        sorted(designed),
        schema={"from_touchpoint": pl.String, "to_touchpoint": pl.String},
        orient="row",
    ).with_columns(_designed=pl.lit(True))
    observed = edges.join(pairs, on=["from_touchpoint", "to_touchpoint"], how="left")
    unused = pairs.join(edges, on=["from_touchpoint", "to_touchpoint"], how="anti")
    kind = (
        pl.when(pl.col("from_touchpoint").is_null())
        .then(pl.lit("start"))
        .when(pl.col("to_touchpoint").is_null())
        .then(pl.lit("end"))
        .when(pl.col("_designed").fill_null(False))
        .then(pl.lit("designed"))
        .otherwise(pl.lit("off_map"))
    )
    on_map = (
        pl.col("from_touchpoint").is_null() & pl.col("to_touchpoint").is_in(list(entries))
    ) | (pl.col("to_touchpoint").is_null() & pl.col("from_touchpoint").is_in(list(exits)))
    return pl.concat(
        [
            observed.with_columns(kind=kind, on_map=on_map),
            unused.select(
                "from_touchpoint",
                "to_touchpoint",
                journeys=pl.lit(0, pl.Int64),
                transitions=pl.lit(0, pl.Int64),
                median_seconds=pl.lit(None, pl.Float64),
                kind=pl.lit("unused"),
                on_map=pl.lit(True),
            ),
        ],
        how="diagonal_relaxed",
    ).drop("_designed")


def process_map_data(
    nodes: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    steps: Sequence[str],
    designed_edges: frozenset[tuple[str, str]],
    entries: Sequence[str] = (),
    exits: Sequence[str] = (),
    repeatable: frozenset[str] = frozenset(),
    levels: Sequence[float] = LEVELS,
) -> ProcessMap:
    """The process map of one map's journeys: ``nodes`` from process_nodes.sql, ``edges`` from
    process_edges.sql (with median_seconds), ``steps`` in file order, ``designed_edges`` of
    the map (its self-loops are the repeatable steps' loops, not edges), where conforming
    journeys may start (``entries``) and end (``exits``)."""
    loops = frozenset((a, b) for a, b in designed_edges if a == b)
    designed = designed_edges - loops
    total = int(edges.filter(pl.col("from_touchpoint").is_null())["journeys"].sum())
    order = {s: i for i, s in enumerate(steps)}
    typed = _edge_kinds(edges, designed, entries, exits)
    shares = typed.with_columns(share=pl.col("journeys") / max(total, 1))
    shares = shares.with_columns(level=_level_index(shares, levels))
    first = _lowest_level(shares, levels, most=MAX_DRAWN_EDGES)
    drawn = shares.filter(pl.col("level") >= first).with_columns(level=pl.col("level") - first)
    levels = tuple(levels[first:])
    # the off-map touchpoints of the moves drawn: one only rarer moves reach takes no lane
    reached = set(drawn["from_touchpoint"].drop_nulls()) | set(drawn["to_touchpoint"].drop_nulls())
    shown = nodes.filter(
        pl.col("touchpoint").is_in(list(order)) | pl.col("touchpoint").is_in(list(reached))
    )
    observed = dict(zip(shown["touchpoint"], shown["journeys"], strict=True))
    layer = {s: float(v) for s, v in designed_layers(steps, designed).items()}
    lane = _lanes({s: int(v) for s, v in layer.items()}, observed, order)
    off_map = [t for t in shown["touchpoint"] if t not in order]
    xs = _off_map_layers(off_map, edges, layer)
    taken: dict[float, list[float]] = {}
    for step, at in lane.items():
        taken.setdefault(at, []).append(layer[step])
    lane.update(_off_map_lanes(xs, observed, taken))
    layer.update(xs)
    frame = _node_frame(shown, steps, order, layer, lane, repeatable | {a for a, _ in loops})
    return ProcessMap(
        nodes=_node_levels(frame, drawn, len(levels)),
        edges=drawn,
        levels=levels,
        default_level=_lowest_level(drawn, levels, most=MAX_SHOWN_EDGES),
        total_journeys=total,
        hidden_edges=shares.height - drawn.height,
        hidden_touchpoints=nodes.height - shown.height,
    )


def _level_index(edges: pl.DataFrame, levels: Sequence[float]) -> pl.Expr:
    """The highest level index an edge is drawn at (designed ones at every level)."""
    always = pl.col("kind").is_in(["designed", "unused"])
    highest = pl.sum_horizontal([(pl.col("share") >= lv).cast(pl.Int64) for lv in levels[1:]]).cast(
        pl.Int64
    )
    return pl.when(always).then(pl.lit(len(levels) - 1, pl.Int64)).otherwise(highest)


def _lowest_level(edges: pl.DataFrame, levels: Sequence[float], *, most: int) -> int:
    """The lowest level that shows at most ``most`` optional (not designed) edges:
    MAX_DRAWN_EDGES for the slider's first position, MAX_SHOWN_EDGES for where it starts."""
    optional = edges.filter(~pl.col("kind").is_in(["designed", "unused"]))
    for i in range(len(levels)):
        if optional.filter(pl.col("level") >= i).height <= most:
            return i
    return len(levels) - 1


def _node_frame(
    nodes: pl.DataFrame,
    steps: Sequence[str],
    order: dict[str, int],
    layer: dict[str, float],
    lane: dict[str, float],
    repeatable: frozenset[str],
) -> pl.DataFrame:
    """Every touchpoint observed plus every designed step (0 journeys: unreached)."""
    seen = nodes.select("touchpoint", "journeys", "repeats", "repeat_journeys", "starts", "ends")
    missing = [s for s in steps if s not in set(seen["touchpoint"])]
    if missing:
        seen = pl.concat(
            [
                seen,
                pl.DataFrame({"touchpoint": missing}).with_columns(
                    *(pl.lit(0, pl.Int64).alias(c) for c in seen.columns[1:])
                ),
            ],
            how="vertical_relaxed",
        )
    kind = (
        pl.when(~pl.col("touchpoint").is_in(list(order)))
        .then(pl.lit("off_map"))
        .when(pl.col("journeys") > 0)
        .then(pl.lit("designed"))
        .otherwise(pl.lit("unreached"))
    )
    return seen.with_columns(
        label=pl.col("touchpoint"),
        kind=kind,
        layer=pl.col("touchpoint").replace_strict(layer, return_dtype=pl.Float64),
        lane=pl.col("touchpoint").replace_strict(lane, return_dtype=pl.Float64),
        repeatable=pl.col("touchpoint").is_in(list(repeatable)),
    )


def _node_levels(nodes: pl.DataFrame, edges: pl.DataFrame, n_levels: int) -> pl.DataFrame:
    """A map step is drawn at every level; an off-map touchpoint up to the highest level of
    its edges."""
    touching = (
        pl.concat(
            [
                edges.select(touchpoint="from_touchpoint", level="level"),
                edges.select(touchpoint="to_touchpoint", level="level"),
            ]
        )
        .group_by("touchpoint")
        .agg(pl.col("level").max())
    )
    return nodes.join(touching, on="touchpoint", how="left").with_columns(
        level=pl.when(pl.col("kind") == "off_map")
        .then(pl.col("level").fill_null(0))
        .otherwise(pl.lit(n_levels - 1))
        .cast(pl.Int64)
    )
