"""The designed directly-follows graph of a map, derived from its steps (see docs/maps.md).

Rules, in this order:
1. a step leads to the next step in file order (across stages) unless it has ``next:``;
2. a ``repeatable`` step also leads to itself;
3. when a step leads to an ``optional`` step, it also leads to that step's successors, and on
   through consecutive optional steps (skipping one or several optional steps in a row);
4. journeys may start at an entry step, or past an optional entry step (its successors), and may
   end at an exit step, or at a step followed by an optional exit step (the exit was skipped).
Names that are not steps (typos in ``next:``) are left out here; validation reports them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class _Step(Protocol):
    """What the graph reads of a step; read-only, so frozen MapSteps satisfy it."""

    @property
    def name(self) -> str: ...
    @property
    def optional(self) -> bool: ...
    @property
    def repeatable(self) -> bool: ...
    @property
    def next(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True, eq=False)
class MapGraph:
    """The designed graph: edges, ordered successors, effective starts/ends, shortest walk."""

    order: tuple[str, ...]
    """Step names in file order."""
    follows: Mapping[str, tuple[str, ...]]
    """Rules 1 and 2 alone: the steps each step leads to before optional steps are skipped
    (a walk through optional steps is one designed edge; alignment measures distances so)."""
    edges: frozenset[tuple[str, str]]
    successors: Mapping[str, tuple[str, ...]]
    """Successors of each step in file order (self-loops included)."""
    starts: tuple[str, ...]
    ends: tuple[str, ...]
    shortest_walk: tuple[str, ...]
    unreachable: tuple[str, ...]
    """Steps no start reaches (a validation error)."""
    dead_ends: tuple[str, ...]
    """Steps from which no end is reachable (a validation error)."""


def build_graph(steps: Sequence[_Step], *, entry: Sequence[str], exit: Sequence[str]) -> MapGraph:
    """Apply the map rules to the steps; unknown names are ignored (validation reports them).

    Time and memory are linear in the steps, the ``next:`` names and the designed edges (a
    run of k consecutive optional steps designs about k²/2 skips: maps.py bounds them)."""
    order = tuple(s.name for s in steps)
    pos = {name: i for i, name in enumerate(order)}
    optional = [s.optional for s in steps]
    base: list[list[int]] = []
    for i, step in enumerate(steps):
        if step.next is not None:
            succ = [pos[t] for t in step.next if t in pos]
        else:
            succ = [i + 1] if i + 1 < len(order) else []
        if step.repeatable:
            succ.append(i)
        base.append(list(dict.fromkeys(succ)))

    # a step's successors: its own, and on through optional successors (skipping one or several
    # in a row); each step's targets are collected once, so the work is the edges it designs
    succ_of: list[list[int]] = []
    for i in range(len(order)):
        targets = dict.fromkeys(base[i])
        stack = [t for t in base[i] if optional[t] and t != i]
        seen = set(stack)
        while stack:
            skipped = stack.pop()
            for target in base[skipped]:
                if target == skipped:
                    continue
                targets[target] = None
                if optional[target] and target not in seen and target != i:
                    seen.add(target)
                    stack.append(target)
        succ_of.append(sorted(targets))
    pred_of: list[list[int]] = [[] for _ in order]
    for a, after in enumerate(succ_of):
        for b in after:
            pred_of[b].append(a)

    starts = _closure([pos[e] for e in entry if e in pos], succ_of, optional)
    ends = _ends([pos[e] for e in exit if e in pos], pred_of, optional)
    reach = _reach(starts, succ_of)
    coreach = _reach(ends, pred_of)
    return MapGraph(
        order=order,
        follows={order[a]: tuple(order[b] for b in t) for a, t in enumerate(base)},
        edges=frozenset((order[a], order[b]) for a, after in enumerate(succ_of) for b in after),
        successors={order[a]: tuple(order[b] for b in t) for a, t in enumerate(succ_of)},
        starts=tuple(order[i] for i in sorted(starts)),
        ends=tuple(order[i] for i in sorted(ends)),
        shortest_walk=tuple(order[i] for i in _shortest_walk(sorted(starts), ends, succ_of)),
        unreachable=tuple(n for i, n in enumerate(order) if i not in reach),
        dead_ends=tuple(n for i, n in enumerate(order) if i not in coreach),
    )


def _closure(
    entry: Sequence[int], successors: Sequence[Sequence[int]], optional: Sequence[bool]
) -> set[int]:
    """The entries, and past optional entries their successors (on through optional ones)."""
    out = set(entry)
    stack = [e for e in out if optional[e]]
    while stack:
        for target in successors[stack.pop()]:
            if target not in out:
                out.add(target)
                if optional[target]:
                    stack.append(target)
    return out


def _ends(
    exits: Sequence[int], predecessors: Sequence[Sequence[int]], optional: Sequence[bool]
) -> set[int]:
    """The exits, and the steps that lead to an optional end (the exit was skipped)."""
    out = set(exits)
    stack = [e for e in out if optional[e]]
    while stack:
        b = stack.pop()
        for a in predecessors[b]:
            if a != b and a not in out:
                out.add(a)
                if optional[a]:
                    stack.append(a)
    return out


def _reach(seeds: set[int], links: Sequence[Sequence[int]]) -> set[int]:
    seen = set(seeds)
    stack = list(seeds)
    while stack:
        for target in links[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _shortest_walk(
    starts: Sequence[int], ends: set[int], successors: Sequence[Sequence[int]]
) -> tuple[int, ...]:
    parent: dict[int, int | None] = {s: None for s in starts}
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        if node in ends:
            walk = [node]
            while (before := parent[walk[-1]]) is not None:
                walk.append(before)
            return tuple(reversed(walk))
        for target in successors[node]:
            if target not in parent:
                parent[target] = node
                queue.append(target)
    return ()
