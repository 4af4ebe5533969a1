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
all-pairs distances, so this equals Dijkstra on the state graph). **Ties**: among the optimal
alignments, the one with the most synchronous moves wins (the fewest log moves: cost is log
plus model moves, so for one cost more syncs mean fewer log moves), then the earliest. The
cost-to-go is computed on weights that make this exact, ``K`` per model move and ``K + 1`` per
log move with ``K`` larger than any trace (a weighted total is ``K * cost + log moves``), so
the optimal cost, and pm4py's, is unchanged. The moves are then read forwards: at every state
take a sync move if one stays optimal, else a log move, else the model move to the earliest
step in file order. So an in-flight ``contact, order placed, payment, shipped, delivered`` is
one unexpected contact and the skipped browsing steps, not five unexpected steps; and an
out-of-order touchpoint is reported where it happened (log move) before the map is made to
catch up (model moves). The same trace and completeness always get the same alignment.

Many traces at once (``align_variants``): the cost-to-go at a trace position depends only on the
rest of the trace (its suffix) and on whether the journey is complete, so it is computed once
per distinct suffix, over a trie of the reversed traces, one trie depth at a time, vectorized
with numpy over all suffixes of that depth and all map states. With touchpoint c next and
``after`` the cost-to-go of the rest:
``h[q] = min(after[q] + K + 1, after[c] + K * into[c, q])``, where
``into[c, q]`` is the fewest model moves from q to a step with a designed edge into c (model
moves before a log move never help, as ``after`` is already closed under them). The forward
reading then advances every trace by one move per round, also vectorized, and gives the same
moves as reading each trace alone. ``align_trace`` is the same computation on one trace.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

from journeys.compare.deviations import skipped_text, unexpected_text
from journeys.compare.maps import JourneyMap

MoveKind = Literal["sync", "log", "model"]
_INF = float("inf")
_KINDS: tuple[MoveKind, ...] = ("sync", "log", "model")
_SYNC, _LOG, _MODEL = 0, 1, 2

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
                out.append(skipped_text(str(move.step)))
            elif move.kind == "log":
                out.append(unexpected_text(str(move.touchpoint), previous))
            else:
                previous = move.step
        return tuple(out)


@dataclass(frozen=True, eq=False)
class _Index:
    """Per-map arrays, built once per map (node 0 is the start state; code ``size`` stands for
    a touchpoint that is not a step)."""

    names: tuple[str, ...]
    node: dict[str, int]
    adj: np.ndarray
    """adj[q, s]: the designed edge q -> s (from the start state: s is a start step)."""
    adj_code: np.ndarray
    """adj[q, c] with one more, all-false column for the code of unknown touchpoints."""
    into: np.ndarray
    """into[c, q]: the fewest model moves from q to a state with a designed edge into step c,
    that is, from where a touchpoint c can be a sync move (infinite for unknown touchpoints)."""
    dist: np.ndarray
    to_end: np.ndarray
    is_end: np.ndarray
    walk_length: int

    @property
    def size(self) -> int:
        return len(self.names)


@lru_cache(maxsize=64)
def _index(journey_map: JourneyMap) -> _Index:
    names = ("",) + journey_map.step_names
    node = {name: i for i, name in enumerate(names) if i}
    size = len(names)
    starts = [node[s] for s in journey_map.start_steps]
    successors = journey_map.graph.successors
    src = np.array([node[a] for a in node for _ in successors[a]], dtype=np.int64)
    dst = np.array([node[b] for a in node for b in successors[a]], dtype=np.int64)
    adj = np.zeros((size, size), dtype=bool)
    adj[0, starts] = True
    adj[src, dst] = True
    dist = _distances(journey_map, node, starts)
    # into[c, q] = min over designed predecessors p of c of dist[q, p]: a shortest walk from q
    # to c (q != c) ends with such an edge, so it is dist[q, c] - 1; from c back to c it is the
    # nearest predecessor of c seen from c (0 for a repeatable step). Nothing leads into the
    # start state (row 0), nor into an unknown touchpoint (the last row).
    into = np.full((size + 1, size), _INF)
    into[1:size] = dist.T[1:] - 1.0
    cycle = np.full(size, _INF)
    np.minimum.at(cycle, dst, dist[dst, src])
    into[np.arange(1, size), np.arange(1, size)] = cycle[1:]
    is_end = np.zeros(size, dtype=bool)
    is_end[[node[s] for s in journey_map.end_steps]] = True
    adj_code = np.zeros((size, size + 1), dtype=bool)
    adj_code[:, :size] = adj
    return _Index(
        names=names,
        node=node,
        adj=adj,
        adj_code=adj_code,
        into=into,
        dist=dist,
        to_end=dist[:, is_end].min(axis=1),
        is_end=is_end,
        walk_length=len(journey_map.shortest_walk()),
    )


def _distances(journey_map: JourneyMap, node: dict[str, int], starts: list[int]) -> np.ndarray:
    """dist[q, s]: the fewest designed edges from state q to step s (state 0 is the start).

    A designed edge is a walk of ``follows`` links whose inner steps are optional (see
    mapgraph). So from each step one 0-1 breadth-first search over the ``follows`` links gives
    its row: entering a step costs 1, entering an optional one costs 0 (it may be walked past)
    and 1 more to stop on it. That is linear in the map per row, where a search over the
    designed edges would not be: a run of k optional steps designs about k²/2 of them."""
    size = len(node) + 1
    follows: list[list[int]] = [[]] + [
        [node[t] for t in journey_map.graph.follows[n]] for n in node
    ]
    optional = [False] + [step.optional for step in journey_map.steps]
    rows = np.full((size, size), _INF)
    for a in range(1, size):
        cost = [_INF] * size
        cost[a] = 0
        queue = deque([a])
        while queue:
            u = queue.popleft()
            here = cost[u]
            for v in follows[u]:
                if optional[v]:
                    if here < cost[v]:
                        cost[v] = here
                        queue.appendleft(v)
                elif here + 1 < cost[v]:
                    cost[v] = here + 1
                    queue.append(v)
        rows[a] = cost
    dist = rows + np.array(optional, dtype=np.float64)  # stopping on an optional step
    dist[np.arange(size), np.arange(size)] = 0.0
    dist[0, 1:] = 1.0 + dist[starts, 1:].min(axis=0, initial=_INF)
    return dist


@dataclass(frozen=True, eq=False)
class _Traces:
    """Traces coded for the map, flat: trace r's kept touchpoints are ``starts[r]`` up to
    ``starts[r + 1]``; ``codes`` holds a step's node (``size`` when it is not a step),
    ``positions`` the index in the trace as given, ``labels`` the index in ``touchpoints``."""

    codes: np.ndarray
    positions: np.ndarray
    labels: np.ndarray
    starts: np.ndarray
    complete: np.ndarray
    touchpoints: list[str]

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)


@dataclass(frozen=True, eq=False)
class _Aligned:
    """Costs per trace; moves flat, grouped by trace in move order (``offsets``)."""

    cost: np.ndarray
    offsets: np.ndarray
    kind: np.ndarray
    position: np.ndarray
    label: np.ndarray
    step: np.ndarray


def _solve(ix: _Index, tr: _Traces) -> _Aligned:
    """Cost-to-go over the trie of reversed traces, then one optimal alignment per trace.
    Weights: ``K`` per model move, ``K + 1`` per log move (see the module docstring)."""
    weight = float(int(tr.lengths.max(initial=0)) + 1)
    h, node = _cost_to_go(ix, tr, weight)
    return _read_moves(ix, tr, h, node, weight)


def _cost_to_go(ix: _Index, tr: _Traces, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """h[node, q]: the optimal weighted cost from map state q with a suffix of a trace left to
    align (``weight`` per model move, ``weight + 1`` per log move),
    one row per node of the trie of reversed traces (0 / 1: the empty suffix of a complete /
    unfinished trace; column ``size``, the unknown touchpoint, is infinite). And node[j]: the
    node of the suffix from kept touchpoint k of trace r, at j = starts[r] + r + k (k <= n)."""
    size, radix = ix.size, ix.size + 1
    lengths = tr.lengths
    n_traces = len(lengths)
    base = tr.starts[:-1] + np.arange(n_traces)  # node[base[r] + k]
    node = np.empty(len(tr.codes) + n_traces, dtype=np.int64)
    node[base + lengths] = np.where(tr.complete, 0, 1)
    roots = np.full((2, radix), _INF)
    roots[0, :size] = ix.to_end * weight
    roots[1, :size] = 0.0
    blocks = [roots]  # h of the nodes of depth 0, 1, ...: a node's parent is one block back
    first = 0  # node id of the previous block's first row
    longest = np.argsort(-lengths, kind="stable")
    reach = np.searchsorted(-lengths[longest], -np.arange(int(lengths.max(initial=0)) + 1), "right")
    for d in range(1, len(reach)):
        rows = longest[: reach[d]]  # the traces with at least d kept touchpoints
        at = base[rows] + lengths[rows] - d
        code = tr.codes[tr.starts[rows] + lengths[rows] - d]
        keys, inverse = np.unique(node[at + 1] * radix + code, return_inverse=True)
        nodes = first + len(blocks[-1])
        node[at] = nodes + inverse.reshape(-1)
        parent, c = keys // radix - first, keys % radix
        after = blocks[-1][parent]
        # a log move stays in q; a sync move on c first reaches a predecessor of c by model
        # moves. (Model moves before a log move never help: they can as well come after it,
        # as after[] is closed under them: after[q] <= dist[q, s] + after[s].)
        block = np.full((len(keys), radix), _INF)
        np.minimum(
            after[:, :size] + (weight + 1.0),
            after[np.arange(len(keys)), c][:, None] + ix.into[c] * weight,
            out=block[:, :size],
        )
        blocks.append(block)
        first = nodes
    return np.concatenate(blocks), node


def _read_moves(
    ix: _Index, tr: _Traces, h: np.ndarray, node: np.ndarray, weight: float
) -> _Aligned:
    """One optimal alignment per trace, read forwards with the documented tie-break."""
    size = ix.size
    lengths = tr.lengths
    n_traces = len(lengths)
    base = tr.starts[:-1] + np.arange(n_traces)
    cost = np.floor(h[node[base], 0] / weight)  # weighted = weight * cost + log moves
    if not np.isfinite(cost).all():  # pragma: no cover - validated maps reach an end
        raise AssertionError("a trace has no alignment: the map cannot reach an exit")

    # every trace makes one optimal move per round; the state of the traces not done yet (in
    # trace order): position i, map state q, length n, where its nodes / touchpoints begin
    # (a trace that costs nothing is all sync moves, as any other move costs 1: those are
    # placed directly, further below)
    live = np.flatnonzero(cost > 0)
    i = np.zeros(len(live), dtype=np.int64)
    q = np.zeros(len(live), dtype=np.int64)
    n, first_node, first = lengths[live], base[live], tr.starts[live]
    unfinished = ~tr.complete[live]
    moved: list[tuple[np.ndarray, ...]] = []
    # one more, sentinel touchpoint: what a trace at its end "has next"
    end = len(tr.codes)
    codes = np.append(tr.codes, size)
    positions, labels = np.append(tr.positions, -1), np.append(tr.labels, -1)
    while live.size:
        finished = (i == n) & (ix.is_end[q] | unfinished)
        if finished.any():
            keep = ~finished
            live, i, q, n = live[keep], i[keep], q[keep], n[keep]
            first_node, first, unfinished = first_node[keep], first[keep], unfinished[keep]
            if not live.size:
                break
        here_node = node[first_node + i]
        here = h[here_node, q]
        more = i < n
        flat = np.where(more, first + i, end)  # the next touchpoint
        c = codes[flat]
        after = node[first_node + np.minimum(i + 1, n)]
        sync = more & ix.adj_code[q, c] & (h[after, c] == here)
        log = more & ~sync & (h[after, q] + (weight + 1.0) == here)
        model = ~(sync | log)
        target = c
        if model.any():
            fits = ix.adj[q[model]] & (h[here_node[model], :size] + weight == here[model, None])
            if not fits.any(axis=1).all():  # pragma: no cover - the cost-to-go guarantees it
                raise AssertionError("alignment found no optimal move")
            target = c.copy()
            target[model] = fits.argmax(axis=1)  # the earliest step in file order
            flat = np.where(model, end, flat)  # a model move consumes no touchpoint
        kind = np.where(sync, _SYNC, np.where(log, _LOG, _MODEL))
        moved.append((live, kind, positions[flat], labels[flat], np.where(log, -1, target)))
        i = i + ~model
        q = np.where(log, q, target)

    return _place_moves(tr, cost, moved)


def _place_moves(tr: _Traces, cost: np.ndarray, moved: list[tuple[np.ndarray, ...]]) -> _Aligned:
    """The moves of every round (trace, kind, position, label, step) put in trace order, and the
    traces that cost nothing given a sync move on each touchpoint."""
    lengths = tr.lengths
    n_traces = len(lengths)
    rounds = moved or [(np.zeros(0, dtype=np.int64),) * 5]
    trace, *values = (np.concatenate(c) for c in zip(*rounds, strict=True))
    synced = np.flatnonzero(cost == 0)
    counts = np.bincount(trace, minlength=n_traces)
    counts[synced] = lengths[synced]
    offsets = np.zeros(n_traces + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    # a trace moves in every round until it is done, so its move of round r is its r-th move
    slot = np.concatenate([offsets[r[0]] + k for k, r in enumerate(rounds)])
    kind, position, label, step = (np.empty(int(offsets[-1]), dtype=np.int64) for _ in range(4))
    for into, v in zip((kind, position, label, step), values, strict=True):
        into[slot] = v
    # the traces that cost nothing: a sync move on each touchpoint
    count = lengths[synced]
    owner = np.repeat(synced, count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)  # index in the trace
    flat, slot = tr.starts[owner] + k, offsets[owner] + k
    kind[slot] = _SYNC
    position[slot], label[slot], step[slot] = tr.positions[flat], tr.labels[flat], tr.codes[flat]
    return _Aligned(cost, offsets, kind, position, label, step)


def _fitness(ix: _Index, cost: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    denominator = lengths + ix.walk_length
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, 1.0 - cost / denominator, 1.0)


def align_trace(
    journey_map: JourneyMap, trace: Sequence[str], *, complete: bool = True
) -> Alignment:
    """The optimal alignment of one trace (touchpoint names in journey order).

    ``complete=False`` aligns an unfinished journey: it may stop on any step.
    """
    ix = _index(journey_map)
    kept = [(i, t) for i, t in enumerate(trace) if not journey_map.is_ignored(t)]
    n = len(kept)
    coded = _Traces(
        codes=np.array([ix.node.get(t, ix.size) for _, t in kept], dtype=np.int64),
        positions=np.array([i for i, _ in kept], dtype=np.int64),
        labels=np.arange(n),
        starts=np.array([0, n]),
        complete=np.array([complete]),
        touchpoints=[t for _, t in kept],
    )
    out = _solve(ix, coded)
    moves = []
    for kind, position, label, step in zip(
        out.kind.tolist(), out.position.tolist(), out.label.tolist(), out.step.tolist(), strict=True
    ):
        moves.append(
            Move(
                _KINDS[kind],
                None if position < 0 else position,
                None if label < 0 else coded.touchpoints[label],
                None if step < 0 else ix.names[step],
            )
        )
    cost = float(out.cost[0])
    return Alignment(
        cost=int(cost),
        fitness=float(_fitness(ix, out.cost, coded.lengths)[0]),
        moves=tuple(moves),
        trace_length=n,
    )


def _code_traces(journey_map: JourneyMap, ix: _Index, traces: pl.DataFrame) -> _Traces:
    """Code the distinct traces (columns path, complete) for ``_solve``."""
    n_traces = traces.height
    flat = (
        traces.select(pl.col("path").fill_null([]))
        .with_row_index("trace")
        .with_columns(position=pl.int_ranges(pl.col("path").list.len()))
        .explode("path", "position")
        .drop_nulls("position")
    )
    names = flat["path"].unique(maintain_order=True)
    touchpoints = names.to_list()
    label = flat["path"].replace_strict(names, pl.int_range(len(names), eager=True)).to_numpy()
    ignored = np.array([journey_map.is_ignored(t) for t in touchpoints], dtype=bool)
    code_of = np.array([ix.node.get(t, ix.size) for t in touchpoints], dtype=np.int64)
    keep = ~ignored[label] if len(touchpoints) else np.zeros(0, dtype=bool)
    trace = flat["trace"].to_numpy().astype(np.int64)[keep]
    label = label.astype(np.int64)[keep]
    position = flat["position"].to_numpy().astype(np.int64)[keep]
    starts = np.zeros(n_traces + 1, dtype=np.int64)
    np.cumsum(np.bincount(trace, minlength=n_traces), out=starts[1:])
    return _Traces(
        codes=code_of[label],
        positions=position,
        labels=label,
        starts=starts,
        complete=traces["complete"].to_numpy().astype(bool),
        touchpoints=touchpoints,
    )


def _non_negative(values: np.ndarray) -> pl.Series:
    """Int64 values, with null for the negative ones (no position, no touchpoint, no step)."""
    series = pl.Series(values.astype(np.int64))
    return pl.select(pl.when(series >= 0).then(series)).to_series()


def _lists(offsets: np.ndarray, values: pl.Series) -> pl.Series:
    """One list per trace from flat values in trace order and the traces' offsets."""
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
    grouped = (
        pl.DataFrame({"owner": owner, "v": values}).group_by("owner", maintain_order=True).agg("v")
    )
    every = pl.DataFrame({"owner": np.arange(lengths.size, dtype=np.int64)})
    lists = every.join(grouped, on="owner", how="left", maintain_order="left")["v"]
    return lists.fill_null(pl.lit([], dtype=pl.List(values.dtype))).alias(values.name)


def _deviations(
    ix: _Index, touchpoints: Sequence[str], out: _Aligned, trace_of_move: np.ndarray
) -> pl.Series:
    """The text of every log and model move, in move order (as ``Alignment.deviations``):
    a skipped step, or an unexpected touchpoint after the trace's last synced step."""
    kind, step = out.kind, out.step
    index = np.arange(len(kind))
    last_sync = np.maximum.accumulate(np.where(kind == _SYNC, index, -1)) if len(kind) else index
    at = np.maximum(last_sync, 0)
    previous = np.where((last_sync >= 0) & (trace_of_move[at] == trace_of_move), step[at], -1)
    # few distinct texts: number them (model: the step; log: touchpoint and previous step),
    # write each once, then gather
    radix = ix.size + 1
    key = np.where(kind == _MODEL, step, ix.size + out.label * radix + previous + 1)
    key = key[kind != _SYNC]
    distinct, inverse = np.unique(key, return_inverse=True)
    texts = []
    for k in distinct.tolist():
        if k < ix.size:
            texts.append(skipped_text(ix.names[k]))
            continue
        label, before = divmod(k - ix.size, radix)
        texts.append(unexpected_text(touchpoints[label], ix.names[before - 1] if before else None))
    return pl.Series("deviations", texts, dtype=pl.String).gather(inverse.reshape(-1))


def align_variants(journey_map: JourneyMap, variants: pl.DataFrame) -> pl.DataFrame:
    """Align each row of ``variants`` (variant_id, path) once; identical traces share the work.

    An optional boolean column ``complete`` (default true) marks rows to align as finished
    journeys; false rows get a prefix alignment (see ``align_trace``) and the column is kept.
    Returns variant_id, [complete,] cost, fitness, is_conforming, deviations (list of text),
    n_log_moves, n_model_moves and moves (list of struct kind, position, touchpoint, step).
    """
    ix = _index(journey_map)
    has_complete = "complete" in variants.columns
    complete = pl.col("complete").fill_null(True) if has_complete else pl.lit(True)
    rows = variants.select("path", complete.alias("complete"))
    # distinct (path, complete), in order of first appearance; `trace` maps rows to them
    distinct = (
        rows.with_row_index("row")
        .group_by("path", "complete", maintain_order=True)
        .agg("row")
        .with_row_index("trace")
    )
    trace_of = np.empty(variants.height, dtype=np.int64)
    spread = distinct.select("trace", "row").explode("row")
    trace_of[spread["row"].to_numpy()] = spread["trace"].to_numpy()
    coded = _code_traces(journey_map, ix, distinct.select("path", "complete"))
    out = _solve(ix, coded)

    per_trace = _per_trace(ix, coded, out)
    keys = variants.select("variant_id", *(["complete"] if has_complete else []))
    if per_trace.height != variants.height:  # else every row is its own trace, in order
        per_trace = per_trace[trace_of]
    return pl.concat([keys, per_trace], how="horizontal").cast(
        {
            "cost": pl.Int64,
            "fitness": pl.Float64,
            "is_conforming": pl.Boolean,
            "deviations": pl.List(pl.String),
            "n_log_moves": pl.Int64,
            "n_model_moves": pl.Int64,
            "moves": pl.List(MOVE_DTYPE),
        }
    )


def _per_trace(ix: _Index, coded: _Traces, out: _Aligned) -> pl.DataFrame:
    """cost, fitness, is_conforming, deviations, n_log_moves, n_model_moves and moves, one row
    per distinct trace."""
    kind, step, label = out.kind, out.step, out.label
    counts = np.diff(out.offsets)
    trace_of_move = np.repeat(np.arange(len(counts)), counts)
    n_log = np.bincount(trace_of_move[kind == _LOG], minlength=len(counts))
    n_model = np.bincount(trace_of_move[kind == _MODEL], minlength=len(counts))
    step_names = pl.Series("step", ix.names, dtype=pl.String)
    labels = pl.Series("touchpoint", coded.touchpoints, dtype=pl.String)

    moves = pl.DataFrame(
        {
            "kind": pl.Series(_KINDS, dtype=pl.String).gather(kind),
            "position": _non_negative(out.position),
            "touchpoint": labels.gather(_non_negative(label)),
            "step": step_names.gather(_non_negative(step)),
        }
    )
    deviation_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(n_log + n_model, out=deviation_offsets[1:])
    per_trace = pl.DataFrame(
        {
            "cost": pl.Series(out.cost.astype(np.int64)),
            "fitness": pl.Series(_fitness(ix, out.cost, coded.lengths)),
            "is_conforming": pl.Series(out.cost == 0),
            "deviations": _lists(
                deviation_offsets, _deviations(ix, coded.touchpoints, out, trace_of_move)
            ),
            "n_log_moves": pl.Series(n_log.astype(np.int64)),
            "n_model_moves": pl.Series(n_model.astype(np.int64)),
            "moves": _lists(out.offsets, moves.to_struct("moves")),
        }
    )
    return per_trace
