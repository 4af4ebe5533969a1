"""Field-level checks for map documents: problems with field paths and YAML lines.

Helpers for ``maps.parse_map``: each records a problem (file, field path, what is wrong, the fix,
the line) instead of raising, so that every problem of a map is reported at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import yaml


def index_lines(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            index_lines(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index_lines(item, f"{path}[{i}]", lines)


class Problems:
    def __init__(self, source: str, lines: Mapping[str, int]) -> None:
        self.source, self.lines = source, lines
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        line = self._line(path)
        suffix = f" (line {line})" if line else ""
        where = f"{path}: " if path else ""
        self.items.append(f"{self.source}: {where}{message}{suffix}")

    def _line(self, path: str) -> int | None:
        """The YAML line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                return None
            path = path[:cut]
        return None


def check_keys(p: Problems, data: Mapping[Any, Any], allowed: Sequence[str], at: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            where = f"{at}.{key}" if at else str(key)
            p.add(where, f"unknown key '{key}'; {hint}allowed keys: {', '.join(allowed)}")


def read_text(p: Problems, data: Mapping[str, Any], key: str, at: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        p.add(join_path(at, key), f"{value!r} is not text; write a plain string")
        return None
    return str(value)


def read_names(p: Problems, data: Mapping[str, Any], key: str, at: str) -> tuple[str, ...] | None:
    """A string or a list of strings; None when the key is absent or invalid."""
    if key not in data or data[key] is None:
        return None
    value = data[key]
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        p.add(join_path(at, key), f"{value!r} is not a list of step names; write [Step A, Step B]")
        return None
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            p.add(
                f"{join_path(at, key)}[{i}]", f"{item!r} is not a step name; write the name as text"
            )
        else:
            out.append(item)
    return tuple(out)


def read_flag(p: Problems, data: Mapping[str, Any], key: str, at: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        p.add(join_path(at, key), f"{value!r} is not true or false; write {key}: true")
        return False
    return value


NEXT_KEYS = ("step", "expected_share")
"""Keys of a ``next:`` item written as a mapping (a transition with its expected share)."""


def read_next(
    p: Problems, item: Mapping[str, Any], at: str
) -> tuple[tuple[str, ...] | None, tuple[tuple[str, float], ...]]:
    """``next:`` as step names, and the expected shares of the items written as mappings
    (``- {step: Order cancelled, expected_share: 0.05}``)."""
    raw = item.get("next")
    if not isinstance(raw, list) or not any(isinstance(x, dict) for x in raw):
        return read_names(p, item, "next", at), ()
    names: list[str] = []
    shares: list[tuple[str, float]] = []
    for i, entry in enumerate(raw):
        where = f"{at}.next[{i}]"
        if isinstance(entry, str) and entry.strip():
            names.append(entry)
            continue
        if not isinstance(entry, dict):
            p.add(where, f"{entry!r} is not a step name; write the name as text")
            continue
        check_keys(p, entry, NEXT_KEYS, where)
        name = read_text(p, entry, "step", where)
        if not name or not name.strip():
            p.add(f"{where}.step", "missing; name the successor, e.g. step: Order shipped")
            continue
        names.append(name)
        share = read_share(p, entry, where)
        if share is not None:
            shares.append((name, share))
    return tuple(names), tuple(shares)


def read_share(p: Problems, data: Mapping[str, Any], at: str) -> float | None:
    """``expected_share:``, a number from 0 to 1 (a share of the map's journeys)."""
    value = data.get("expected_share")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        p.add(
            f"{at}.expected_share",
            f"{value!r} is not a share; write a number from 0 to 1, e.g. expected_share: 0.7",
        )
        return None
    return float(value)


def join_path(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def list_choices(names: Sequence[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:8])
    return shown + (", ..." if len(names) > 8 else "")
