"""Readable differences between a map and its revision (``suggest-map`` prints them)."""

from __future__ import annotations

from collections.abc import Sequence

from journeys.compare.maps import JourneyMap


def describe_changes(original: JourneyMap, revised: JourneyMap) -> list[str]:
    """Readable lines: steps added/removed/made optional, transitions added/removed, ends."""
    old, new = set(original.step_names), set(revised.step_names)
    lines: list[str] = []

    def names(items: Sequence[str]) -> str:
        return ", ".join(f"'{n}'" for n in items)

    def edges(items: Sequence[tuple[str, str]]) -> str:
        return ", ".join(f"'{a}' → '{b}'" for a, b in items)

    added = [n for n in revised.step_names if n not in old]
    removed = [n for n in original.step_names if n not in new]
    optional = [
        s.name
        for s in revised.steps
        if s.optional and s.name in old and not original.step(s.name).optional
    ]
    pos = {n: i for i, n in enumerate([*original.step_names, *added])}
    more = sorted(revised.edges() - original.edges(), key=lambda e: (pos[e[0]], pos[e[1]]))
    less = sorted(original.edges() - revised.edges(), key=lambda e: (pos[e[0]], pos[e[1]]))
    if added:
        where = ", ".join(f"'{n}' ({revised.step(n).stage})" for n in added)
        lines.append(f"steps added: {where}")
    if removed:
        lines.append(f"steps removed: {names(removed)}")
    if optional:
        lines.append(f"made optional: {names(optional)}")
    if more:
        lines.append(f"transitions added: {edges(more)}")
    if less:
        lines.append(f"transitions removed: {edges(less)}")
    for label, a, b in (
        ("entry", original.entry, revised.entry),
        ("exit", original.exit, revised.exit),
    ):
        if set(a) != set(b):
            lines.append(f"{label}: {names(list(a))} -> {names(list(b))}")
    if original.goal and revised.goal is None:
        lines.append(f"goal '{original.goal}' dropped: no suggested journey reaches it")
    return lines or ["no changes: the original map already explains these journeys"]
