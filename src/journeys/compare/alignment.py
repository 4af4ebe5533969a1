"""Exact optimal alignment of a journey's touchpoints against a map's designed graph.

The alignment walks the trace and the map together. Its states are (trace position, map step),
plus a start state before the first step. Moves:

- **sync** (cost 0): the next touchpoint is a step the current step leads to (a designed edge),
  or, at the start, a step a journey may start at;
- **log move** (cost 1): the next touchpoint is consumed and the map stays where it is;
- **model move** (cost 1): the map takes a designed edge (or enters) without a touchpoint.

An alignment must consume the whole trace and stop on a step a journey may end at (with
``complete=False``, for a journey still in flight, it may stop on any step: a prefix alignment
that judges what the journey did so far). Touchpoints
the map ``ignore``s are removed first (they produce no move and do not count in fitness).
``fitness = 1 - cost / (len(trace) + len(shortest entry-to-exit walk))``.

The optimum is exact: dynamic programming over trace positions, backwards, gives the optimal
cost-to-go of every state (inside one position, model moves are relaxed through the map's
all-pairs distances, so this equals Dijkstra on the state graph). The moves are then read
forwards, which also fixes the tie-break among equally cheap alignments, deterministically:
at every state take a sync move if one stays optimal, else a log move, else the model move to
the earliest step in file order. So an out-of-order touchpoint is reported where it happened
(log move) before the map is made to catch up (model moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

from journeys.compare.maps import JourneyMap

MoveKind = Literal["sync", "log", "model"]
_INF = float("inf")

MOVE_DTYPE = pl.Struct(
    {"kind": pl.String, "position": pl.Int64, "touchpoint": pl.String, "step": pl.String}
)


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    position: int | None
    """0-based index of the touchpoint in the trace as given (None for model moves)."""
    touchpoint: str | None
    """The journey's touchpoint (None for model moves)."""
    step: str | None
    """The map step (None for log moves)."""


@dataclass(frozen=True)
class Alignment:
    cost: int
    fitness: float
    moves: tuple[Move, ...]
    trace_length: int
    """Touchpoints aligned (after removing ignored ones)."""

    @property
    def is_conforming(self) -> bool:
        return self.cost == 0

    def deviations(self) -> tuple[str, ...]:
        """Readable deviations, in journey order: skipped steps and unexpected touchpoints
        (placed after the last step the journey did)."""
        out: list[str] = []
        previous: str | None = None
        for move in self.moves:
            if move.kind == "model":
                out.append(f"skipped '{move.step}'")
            elif move.kind == "log":
                where = f"after '{previous}'" if previous else "at the start"
                out.append(f"unexpected '{move.touchpoint}' {where}")
            else:
                previous = move.step
        return tuple(out)


@dataclass(frozen=True, eq=False)
class _Index:
    """Per-map arrays, built once per map (node 0 is the start state)."""

    names: tuple[str, ...]
    node: dict[str, int]
    succ: tuple[tuple[int, ...], ...]
    adj: np.ndarray
    dist: np.ndarray
    to_end: np.ndarray
    is_end: np.ndarray
    walk_length: int


@lru_cache(maxsize=64)
def _index(journey_map: JourneyMap) -> _Index:
    names = ("",) + journey_map.step_names
    node = {name: i for i, name in enumerate(names) if i}
    size = len(names)
    succ_lists: list[tuple[int, ...]] = [tuple(node[s] for s in journey_map.start_steps)]
    for name in journey_map.step_names:
        succ_lists.append(tuple(node[s] for s in journey_map.graph.successors[name]))
    adj = np.zeros((size, size), dtype=bool)
    for a, targets in enumerate(succ_lists):
        adj[a, list(targets)] = True
    dist = np.full((size, size), _INF)
    for a in range(size):  # BFS from every node: all-pairs designed distances
        dist[a, a] = 0.0
        frontier, d = [a], 0
        while frontier:
            d += 1
            nxt = []
            for u in frontier:
                for v in succ_lists[u]:
                    if dist[a, v] == _INF:
                        dist[a, v] = d
                        nxt.append(v)
            frontier = nxt
    is_end = np.zeros(size, dtype=bool)
    is_end[[node[s] for s in journey_map.end_steps]] = True
    return _Index(
        names=names,
        node=node,
        succ=tuple(succ_lists),
        adj=adj,
        dist=dist,
        to_end=dist[:, is_end].min(axis=1),
        is_end=is_end,
        walk_length=len(journey_map.shortest_walk()),
    )


def align_trace(
    journey_map: JourneyMap, trace: Sequence[str], *, complete: bool = True
) -> Alignment:
    """The optimal alignment of one trace (touchpoint names in journey order).

    ``complete=False`` aligns an unfinished journey: it may stop on any step.
    """
    ix = _index(journey_map)
    kept = [(i, t) for i, t in enumerate(trace) if not journey_map.is_ignored(t)]
    codes = [ix.node.get(t, -1) for _, t in kept]
    n = len(codes)
    # cost-to-go, backwards over trace positions
    h = np.empty((n + 1, len(ix.names)))
    h[n] = ix.to_end if complete else 0.0
    for i in range(n - 1, -1, -1):
        base = h[i + 1] + 1.0  # log move
        c = codes[i]
        if c >= 0:
            base = np.minimum(base, np.where(ix.adj[:, c], h[i + 1, c], _INF))  # sync
        h[i] = (ix.dist + base[None, :]).min(axis=1)  # then any model moves before it
    cost = h[0, 0]
    # forward: read one optimal alignment with the documented tie-break
    moves: list[Move] = []
    i, q = 0, 0
    while not (i == n and (ix.is_end[q] or not complete)):
        here = h[i, q]
        if i < n:
            c = codes[i]
            pos, touchpoint = kept[i]
            if c >= 0 and ix.adj[q, c] and h[i + 1, c] == here:
                moves.append(Move("sync", pos, touchpoint, touchpoint))
                i, q = i + 1, c
                continue
            if h[i + 1, q] + 1.0 == here:
                moves.append(Move("log", pos, touchpoint, None))
                i += 1
                continue
        for s in ix.succ[q]:
            if h[i, s] + 1.0 == here:
                moves.append(Move("model", None, None, ix.names[s]))
                q = s
                break
        else:  # pragma: no cover - the cost-to-go guarantees an optimal move exists
            raise AssertionError(f"alignment of {trace!r} found no optimal move")
    denominator = n + ix.walk_length
    return Alignment(
        cost=int(cost),
        fitness=1.0 - cost / denominator if denominator else 1.0,
        moves=tuple(moves),
        trace_length=n,
    )


def align_variants(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """Align each row of ``variants`` (variant_id, path) once; identical traces share the work.

    An optional boolean column ``complete`` (default true) marks rows to align as finished
    journeys; false rows get a prefix alignment (see ``align_trace``) and the column is kept.
    Returns variant_id, [complete,] cost, fitness, is_conforming, deviations (list of text),
    n_log_moves, n_model_moves and moves (list of struct kind, position, touchpoint, step).
    """
    cache: dict[tuple[tuple[str, ...], bool], Alignment] = {}
    rows: dict[str, list[object]] = {
        k: []
        for k in (
            "cost",
            "fitness",
            "is_conforming",
            "deviations",
            "n_log_moves",
            "n_model_moves",
            "moves",
        )
    }
    has_complete = "complete" in variants.columns
    flags = variants["complete"].to_list() if has_complete else [True] * variants.height
    for path, complete in zip(variants["path"].to_list(), flags, strict=True):
        key = (tuple(path or ()), complete is not False)
        result = cache.get(key)
        if result is None:
            result = cache[key] = align_trace(journey_map, key[0], complete=key[1])
        rows["cost"].append(result.cost)
        rows["fitness"].append(result.fitness)
        rows["is_conforming"].append(result.is_conforming)
        rows["deviations"].append(list(result.deviations()))
        rows["n_log_moves"].append(sum(m.kind == "log" for m in result.moves))
        rows["n_model_moves"].append(sum(m.kind == "model" for m in result.moves))
        rows["moves"].append(
            [
                {"kind": m.kind, "position": m.position, "touchpoint": m.touchpoint, "step": m.step}
                for m in result.moves
            ]
        )
    keys = variants.select("variant_id", *(["complete"] if has_complete else []))
    return pl.DataFrame(
        {**keys.to_dict(), **rows},
        schema_overrides={
            "cost": pl.Int64,
            "fitness": pl.Float64,
            "is_conforming": pl.Boolean,
            "deviations": pl.List(pl.String),
            "n_log_moves": pl.Int64,
            "n_model_moves": pl.Int64,
            "moves": pl.List(MOVE_DTYPE),
        },
    )
