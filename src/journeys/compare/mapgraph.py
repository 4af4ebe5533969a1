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
    name: str
    optional: bool
    repeatable: bool
    next: tuple[str, ...] | None


@dataclass(frozen=True, eq=False)
class MapGraph:
    """The designed graph: edges, ordered successors, effective starts/ends, shortest walk."""

    order: tuple[str, ...]
    """Step names in file order."""
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
    """Apply the map rules to the steps; unknown names are ignored (validation reports them)."""
    order = tuple(s.name for s in steps)
    pos = {name: i for i, name in enumerate(order)}
    by_name = {s.name: s for s in steps}
    base: dict[str, list[str]] = {}
    for i, step in enumerate(steps):
        if step.next is not None:
            succ = [t for t in step.next if t in pos]
        else:
            succ = [order[i + 1]] if i + 1 < len(order) else []
        if step.repeatable:
            succ.append(step.name)
        base[step.name] = list(dict.fromkeys(succ))

    edges: set[tuple[str, str]] = set()
    for name in order:
        for target in base[name]:
            edges.add((name, target))
        # skip optional successors, transitively through consecutive optional steps
        stack = [t for t in base[name] if by_name[t].optional and t != name]
        seen = set(stack)
        while stack:
            skipped = stack.pop()
            for target in base[skipped]:
                if target == skipped:
                    continue
                edges.add((name, target))
                if by_name[target].optional and target not in seen and target != name:
                    seen.add(target)
                    stack.append(target)
    successors = {
        name: tuple(sorted({b for a, b in edges if a == name}, key=pos.__getitem__))
        for name in order
    }

    starts = _closure([e for e in entry if e in pos], successors, by_name)
    ends = _ends([e for e in exit if e in pos], edges, by_name)
    reach = _reach(starts, successors)
    predecessors: dict[str, list[str]] = {name: [] for name in order}
    for a, b in edges:
        predecessors[b].append(a)
    coreach = _reach(ends, predecessors)
    return MapGraph(
        order=order,
        edges=frozenset(edges),
        successors=successors,
        starts=tuple(sorted(starts, key=pos.__getitem__)),
        ends=tuple(sorted(ends, key=pos.__getitem__)),
        shortest_walk=_shortest_walk(sorted(starts, key=pos.__getitem__), set(ends), successors),
        unreachable=tuple(n for n in order if n not in reach),
        dead_ends=tuple(n for n in order if n not in coreach),
    )


def _closure(
    entry: Sequence[str], successors: Mapping[str, Sequence[str]], by_name: Mapping[str, _Step]
) -> set[str]:
    out = set(entry)
    stack = [e for e in entry if by_name[e].optional]
    while stack:
        for target in successors[stack.pop()]:
            if target not in out:
                out.add(target)
                if by_name[target].optional:
                    stack.append(target)
    return out


def _ends(
    exits: Sequence[str], edges: set[tuple[str, str]], by_name: Mapping[str, _Step]
) -> set[str]:
    out = set(exits)
    changed = True
    while changed:
        changed = False
        for a, b in edges:
            if a != b and a not in out and b in out and by_name[b].optional:
                out.add(a)
                changed = True
    return out


def _reach(seeds: set[str], links: Mapping[str, Sequence[str]]) -> set[str]:
    seen = set(seeds)
    stack = list(seeds)
    while stack:
        for target in links[stack.pop()]:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _shortest_walk(
    starts: Sequence[str], ends: set[str], successors: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    parent: dict[str, str | None] = {s: None for s in starts}
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        if node in ends:
            walk = [node]
            while parent[walk[-1]] is not None:
                walk.append(parent[walk[-1]])  # type: ignore[arg-type]
            return tuple(reversed(walk))
        for target in successors[node]:
            if target not in parent:
                parent[target] = node
                queue.append(target)
    return ()
