"""Assumptive journey maps: the YAML format of DESIGN.md, validated with every error at once.

``load_map(path)`` reads and validates a map file; ``parse_map(data, source=...)`` validates an
already-loaded mapping. Every problem is reported together, one per line, each naming the file,
the field path (``stages[1].steps[0].next[0]``), what is wrong and the fix, plus the YAML line
when the map came from a file. The designed graph (``edges()``) applies the rules of the format:
each step leads to the next one in file order unless ``next:`` says otherwise, predecessors of an
``optional`` step also lead to its successors (transitively through consecutive optional steps),
and a ``repeatable`` step loops on itself. See docs/maps.md.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from journeys import yamltext
from journeys.compare.mapfields import (
    Problems,
    check_keys,
    index_lines,
    list_choices,
    read_flag,
    read_names,
    read_next,
    read_share,
    read_text,
)
from journeys.compare.mapgraph import MapGraph, build_graph
from journeys.config import parse_duration
from journeys.errors import MapError
from journeys.words import numbered

if TYPE_CHECKING:  # imported by the frames only: loading a map (validate-map, a build's
    import polars as pl  # handoff SLAs) needs no frame library

MAX_MAP_BYTES = 1_000_000
"""Size limits (docs/maps.md, *Size limits*): a map file of at most 1 MB (read in about a
second), at most 1,000 steps and 20,000 designed transitions. Compare on the sample with a map
at the limits takes seconds and about 1 GB (tests/test_map_limits.py); beyond them it grew
quadratically and a 1,008-step map ran out of memory."""
MAX_STEPS = 1_000
MAX_TRANSITIONS = 20_000
MAX_WITHIN_SECONDS = 365 * 86400
"""``within:`` is at most a year: an SLA between two steps of one journey (larger numbers
overflowed the timestamps compare computes with)."""
SPLIT_IT = "split it into several maps, one per journey (see docs/maps.md, Size limits)"

MAP_KEYS = ("name", "description", "owner", "goal", "entry", "exit", "ignore", "stages")
STAGE_KEYS = ("name", "description", "steps")
STEP_KEYS = (
    "name",
    "description",
    "optional",
    "repeatable",
    "channel",
    "team",
    "system",
    "within",
    "next",
    "expected_share",
)


class MapValidationError(MapError):
    """A map with one or more problems; ``problems`` holds one complete message per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class MapStep:
    """One designed step (a touchpoint name exactly as in ``marts.events``)."""

    name: str
    stage: str
    position: int
    """1-based position in file order across stages."""
    optional: bool = False
    repeatable: bool = False
    channel: str | None = None
    team: str | None = None
    system: str | None = None
    within_seconds: int | None = None
    """SLA: the most seconds allowed since the previous step of the journey."""
    next: tuple[str, ...] | None = None
    """Explicit ``next:`` as written; ``None`` means the default (next step in file order)."""
    description: str | None = None
    expected_share: float | None = None
    """``expected_share:``: the share of the map's finished journeys expected to reach the step
    (a ``share_drift`` gap when the observed share's interval excludes it)."""
    next_shares: tuple[tuple[str, float], ...] = ()
    """(successor, expected share) of the ``next:`` items written as mappings: the share of the
    map's finished journeys expected to take that transition."""


@dataclass(frozen=True)
class JourneyMap:
    """A validated map. Build it with ``load_map`` or ``parse_map``, not by hand."""

    name: str
    source: str
    description: str | None
    owner: str | None
    goal: str | None
    ignore: tuple[str, ...]
    entry: tuple[str, ...]
    """Declared entry steps (default: the first step)."""
    exit: tuple[str, ...]
    """Declared exit steps (default: the last step)."""
    stages: tuple[str, ...]
    steps: tuple[MapStep, ...]
    graph: MapGraph

    # -- lookups -------------------------------------------------------------------------------
    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The steps that are the map's outcome: its goal, else its exits (a journey reaching
        one reached the outcome: compare/scope.py)."""
        return (self.goal,) if self.goal else tuple(self.exit)

    def step(self, name: str) -> MapStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def is_ignored(self, touchpoint: str) -> bool:
        """True when ``touchpoint`` matches an ``ignore:`` entry (``*`` globs allowed): the one
        place the map's ignore globs are matched (compare, the report and suggest-map use it)."""
        return any(fnmatch.fnmatchcase(touchpoint, pattern) for pattern in self.ignore)

    def ignored(self, touchpoints: Iterable[str]) -> tuple[str, ...]:
        """The distinct ``touchpoints`` this map ignores, sorted (the names to drop from paths)."""
        return tuple(sorted({t for t in touchpoints if self.is_ignored(t)}))

    def filter_trace(self, trace: Sequence[str]) -> tuple[str, ...]:
        """The trace without ignored touchpoints (what conformance aligns)."""
        if not self.ignore:
            return tuple(trace)
        return tuple(t for t in trace if not self.is_ignored(t))

    # -- graph ---------------------------------------------------------------------------------
    def edges(self) -> frozenset[tuple[str, str]]:
        """The designed directly-follows graph (defaults, ``next:``, optional skips, loops)."""
        return self.graph.edges

    @property
    def start_steps(self) -> tuple[str, ...]:
        """Where a conforming journey may start: entries, and past optional entries."""
        return self.graph.starts

    @property
    def end_steps(self) -> tuple[str, ...]:
        """Where a conforming journey may end: exits, and before optional exits."""
        return self.graph.ends

    def shortest_walk(self) -> tuple[str, ...]:
        """A shortest entry-to-exit walk (ties: earliest steps in file order)."""
        return self.graph.shortest_walk

    def describe(self) -> str:
        return (
            f"'{self.name}': {numbered(len(self.stages), 'stage')}, "
            f"{numbered(len(self.steps), 'step')}, "
            f"{numbered(len(self.graph.edges), 'designed transition')}"
        )

    # -- frames --------------------------------------------------------------------------------
    def steps_frame(self) -> pl.DataFrame:
        """One row per step in file order (is_entry/is_exit: declared or default)."""
        import polars as pl

        entry, exit_ = set(self.entry), set(self.exit)
        return pl.DataFrame(
            {
                "step": [s.name for s in self.steps],
                "stage": [s.stage for s in self.steps],
                "position": [s.position for s in self.steps],
                "optional": [s.optional for s in self.steps],
                "repeatable": [s.repeatable for s in self.steps],
                "channel": [s.channel for s in self.steps],
                "team": [s.team for s in self.steps],
                "system": [s.system for s in self.steps],
                "within_seconds": [s.within_seconds for s in self.steps],
                "is_entry": [s.name in entry for s in self.steps],
                "is_exit": [s.name in exit_ for s in self.steps],
                "is_goal": [s.name == self.goal for s in self.steps],
            },
            schema_overrides={
                "channel": pl.String,
                "team": pl.String,
                "system": pl.String,
                "within_seconds": pl.Int64,
                "position": pl.Int64,
            },
        )

    def expected_shares(self) -> pl.DataFrame:
        """from_step, to_step, expected_share: one row per declared ``expected_share:``, steps
        (from_step NULL) then transitions, in file order."""
        import polars as pl

        rows: list[tuple[str | None, str, float]] = [
            (None, s.name, s.expected_share) for s in self.steps if s.expected_share is not None
        ]
        rows += [(s.name, b, share) for s in self.steps for b, share in s.next_shares]
        return pl.DataFrame(
            rows,
            schema={"from_step": pl.String, "to_step": pl.String, "expected_share": pl.Float64},
            orient="row",
        )

    def edges_frame(self) -> pl.DataFrame:
        """One row per designed transition, sorted by the steps' file positions."""
        import polars as pl

        pos = {s.name: s.position for s in self.steps}
        rows = sorted(self.graph.edges, key=lambda e: (pos[e[0]], pos[e[1]]))
        return pl.DataFrame(
            {"from_step": [a for a, _ in rows], "to_step": [b for _, b in rows]},
            schema={"from_step": pl.String, "to_step": pl.String},
        )


def format_duration(seconds: int) -> str:
    """3600 -> '1h', 5400 -> '90m': the largest whole unit, as ``within:`` is written."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# -- loading ---------------------------------------------------------------------------------
def load_map(path: Path) -> JourneyMap:
    """Read and validate one map file; raise ``MapValidationError`` listing every problem."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise MapValidationError([f"{source}: file not found; pass the path of a map YAML file"])
    if (size := path.stat().st_size) > MAX_MAP_BYTES:
        raise MapValidationError(
            [f"{source}: {size:,} bytes, more than a map file may have ({MAX_MAP_BYTES:,}); "
             f"{SPLIT_IT}"]
        )  # fmt: skip
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MapValidationError(
            [f"{source}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
             f"{exc.start}); save the map as UTF-8"]
        ) from None  # fmt: skip
    try:
        node = yamltext.compose(text)
        if node is not None and (shape := _shape_problems(node, source)):
            raise MapValidationError(shape)
        data = yamltext.construct(node)
    except RecursionError:
        raise MapValidationError(
            [f"{source}: nested too deeply to be a map; write stages and steps as in docs/maps.md"]
        ) from None
    except yaml.YAMLError as exc:
        fix = "fix the syntax (indentation, colons, quotes)"
        raise MapValidationError([yamltext.syntax_error(source, exc, fix)]) from exc
    lines: dict[str, int] = {}
    if node is not None:
        index_lines(node, "", lines)
    return parse_map(data, source=source, lines=lines)


MAX_DEPTH = 32
"""A map nests six levels (stages, steps, next); anything far deeper is not a map."""


def _shape_problems(root: yaml.Node, source: str) -> list[str]:
    """What the YAML loader lets through silently: a key given twice in one mapping (the last
    one would win unseen), aliases (``*name``: a few lines can expand to millions of values)
    and absurd nesting. One pass over the composed nodes, each node visited once."""
    problems: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            problems.append(
                f"{source}: {path}: is a YAML alias (*name) of the value at line {line}; "
                "write the value out instead"
            )
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            problems.append(f"{source}: {path}: nested more than {MAX_DEPTH} levels deep; "
                            f"write stages and steps as in docs/maps.md (line {line})")  # fmt: skip
            continue
        children: list[tuple[yaml.Node, str, int]] = []
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                child = f"{path}.{name}" if path else name
                at = key.start_mark.line + 1
                if name in first:
                    problems.append(
                        f"{source}: {child}: given twice (lines {first[name]} and {at}); the "
                        "second would silently win, keep one"
                    )
                first.setdefault(name, at)
                children.append((value, child, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        stack += reversed(children)  # visit in document order: an anchor before its aliases
    return problems


def parse_map(data: Any, *, source: str, lines: Mapping[str, int] | None = None) -> JourneyMap:
    """Validate a loaded map document; raise ``MapValidationError`` listing every problem."""
    p = Problems(source, lines or {})
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        p.add("", f"the map is {kind}; write a mapping with name: and stages: (see docs/maps.md)")
        raise MapValidationError(p.items)
    check_keys(p, data, MAP_KEYS, "")
    name = read_text(p, data, "name", "")
    if not name or not name.strip():
        p.add("name", "missing; give the map a unique name, e.g. name: online-purchase")
    description = read_text(p, data, "description", "")
    owner = read_text(p, data, "owner", "")
    steps, stages, paths = _parse_stages(p, data.get("stages"))
    known = [s.name for s in steps]
    entry = _check_refs(p, data, "entry", read_names(p, data, "entry", ""), known)
    exit_ = _check_refs(p, data, "exit", read_names(p, data, "exit", ""), known)
    goal = read_text(p, data, "goal", "")
    if goal is not None and known and goal not in known:
        p.add("goal", f"'{goal}' is not a step of this map; use one of {list_choices(known)}")
        goal = None
    ignore = read_names(p, data, "ignore", "") or ()
    _check_ignore(p, data, ignore, known)
    _check_next(p, steps, paths, known)
    if len(steps) > MAX_STEPS:
        p.add(
            "stages", f"{len(steps):,} steps, more than a map may have ({MAX_STEPS:,}); {SPLIT_IT}"
        )
    if not steps or len(steps) > MAX_STEPS:
        raise MapValidationError(p.items)
    entry = entry or (steps[0].name,)
    exit_ = exit_ or (steps[-1].name,)
    graph = build_graph(steps, entry=entry, exit=exit_)
    _check_graph(p, graph, paths, entry=entry, exit_=exit_)
    if p.items:
        raise MapValidationError(p.items)
    return JourneyMap(
        name=str(name),
        source=source,
        description=description,
        owner=owner,
        goal=goal,
        ignore=tuple(ignore),
        entry=entry,
        exit=exit_,
        stages=stages,
        steps=steps,
        graph=graph,
    )


def _check_refs(
    p: Problems, data: dict[str, Any], key: str, values: tuple[str, ...] | None, known: list[str]
) -> tuple[str, ...]:
    """The steps ``key`` (entry or exit) names that are steps of the map, in order, once each;
    a problem for each that is not, and for an empty list."""
    if values is None:
        return ()
    known_set = set(known)
    if not values and key in ("entry", "exit"):
        p.add(key, f"is empty; list at least one step, or remove {key}: to use the default")
    kept = []
    for i, value in enumerate(values):
        if value in known_set:
            kept.append(value)
        elif known:
            p.add(
                f"{key}[{i}]" if isinstance(data.get(key), list) else key,
                f"'{value}' is not a step of this map; use one of {list_choices(known)}",
            )
    return tuple(dict.fromkeys(kept))


def _check_ignore(
    p: Problems, data: dict[str, Any], ignore: tuple[str, ...], known: list[str]
) -> None:
    """A problem for each ignore: pattern that matches a step of the map."""
    for i, pattern in enumerate(ignore):
        clash = [s for s in known if fnmatch.fnmatchcase(s, pattern)]
        if clash:
            field = f"ignore[{i}]" if isinstance(data.get("ignore"), list) else "ignore"
            p.add(
                field,
                f"'{pattern}' matches step '{clash[0]}' of this map; a step cannot be "
                "out of scope, remove it from ignore:",
            )


def _check_next(
    p: Problems, steps: tuple[MapStep, ...], paths: Mapping[str, str], known: list[str]
) -> None:
    """A problem for each next: target that is not a step of the map."""
    known_set = set(known)
    for step in steps:
        for j, target in enumerate(step.next or ()):
            if target not in known_set:
                p.add(
                    f"{paths[step.name]}.next[{j}]",
                    f"'{target}' is not a step of this map; use one of {list_choices(known)}",
                )


def _check_graph(
    p: Problems,
    graph: MapGraph,
    paths: Mapping[str, str],
    *,
    entry: tuple[str, ...],
    exit_: tuple[str, ...],
) -> None:
    """Raise for too many designed transitions; a problem for each unreachable step and each
    step from which no exit can be reached."""
    if len(graph.edges) > MAX_TRANSITIONS:
        p.add(
            "stages",
            f"{len(graph.edges):,} designed transitions, more than a map may have "
            f"({MAX_TRANSITIONS:,}; a run of k optional steps designs about k²/2); mark fewer "
            f"steps in a row optional, or {SPLIT_IT}",
        )
        raise MapValidationError(p.items)
    for bad in graph.unreachable:
        p.add(
            paths[bad],
            f"step '{bad}' is unreachable from the entry steps "
            f"({list_choices(list(entry))}); add it to the next: of an earlier step or to entry:",
        )
    for bad in graph.dead_ends:
        p.add(
            paths[bad],
            f"no exit step is reachable from step '{bad}' (a dead end or a cycle "
            f"without exit); add an exit to its next:, or list it in exit: "
            f"(exits: {list_choices(list(exit_))})",
        )


def _parse_stages(
    p: Problems, raw: Any
) -> tuple[tuple[MapStep, ...], tuple[str, ...], dict[str, str]]:
    steps: list[MapStep] = []
    stages: list[str] = []
    paths: dict[str, str] = {}
    if raw is None:
        p.add("stages", "missing; list the stages, each with a name: and its steps:")
        return (), (), paths
    if not isinstance(raw, list) or not raw:
        p.add("stages", "must be a non-empty list of stages, each with a name: and steps:")
        return (), (), paths
    for i, stage in enumerate(raw):
        at = f"stages[{i}]"
        if not isinstance(stage, dict):
            p.add(at, f"{stage!r} is not a stage; write - name: Buy, then steps: [...]")
            continue
        check_keys(p, stage, STAGE_KEYS, at)
        stage_name = read_text(p, stage, "name", at)
        if not stage_name:
            p.add(f"{at}.name", "missing; give every stage a name, e.g. name: Discover")
            stage_name = f"stage {i + 1}"
        elif stage_name in stages:
            p.add(
                f"{at}.name", f"stage '{stage_name}' is named twice; give each stage its own name"
            )
        stages.append(stage_name)
        items = stage.get("steps")
        if not isinstance(items, list) or not items:
            p.add(f"{at}.steps", "must be a non-empty list of steps, e.g. - name: Visit site")
            continue
        for j, item in enumerate(items):
            step = _parse_step(p, item, f"{at}.steps[{j}]", stage_name, len(steps) + 1, paths)
            if step is not None:
                steps.append(step)
    return tuple(steps), tuple(stages), paths


def _parse_step(
    p: Problems, item: Any, at: str, stage: str, position: int, paths: dict[str, str]
) -> MapStep | None:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        p.add(at, f"{item!r} is not a step; write - name: Step name")
        return None
    check_keys(p, item, STEP_KEYS, at)
    name = read_text(p, item, "name", at)
    if not name or not name.strip():
        p.add(f"{at}.name", "missing; every step needs the touchpoint name it stands for")
        return None
    if name in paths:
        p.add(
            f"{at}.name",
            f"step '{name}' is already defined at {paths[name]}; step names "
            "are unique in a map, rename one or merge them",
        )
        return None
    paths[name] = at
    within: int | None = None
    if item.get("within") is not None:
        try:
            within = parse_duration(item["within"], field="within")
        except ValueError as exc:
            p.add(f"{at}.within", str(exc).removeprefix("within: "))
        if within is not None and within > MAX_WITHIN_SECONDS:
            p.add(
                f"{at}.within",
                f"{item['within']!r} is more than a year; an SLA between two steps is at most "
                "365d, write e.g. 4h or 3d",
            )
            within = None
    nxt, next_shares = read_next(p, item, at)
    if nxt is not None and len(set(nxt)) != len(nxt):
        p.add(f"{at}.next", "names a step twice; list each successor once")
    return MapStep(
        name=name,
        stage=stage,
        position=position,
        optional=read_flag(p, item, "optional", at),
        repeatable=read_flag(p, item, "repeatable", at),
        channel=read_text(p, item, "channel", at),
        team=read_text(p, item, "team", at),
        system=read_text(p, item, "system", at),
        within_seconds=within,
        next=nxt,
        description=read_text(p, item, "description", at),
        expected_share=read_share(p, item, at),
        next_shares=next_shares,
    )


def handoff_slas(maps: Sequence[JourneyMap]) -> tuple[tuple[str, str, int], ...]:
    """(from_touchpoint, to_touchpoint, sla_seconds), sorted: for each map step with ``within``,
    every other step of the same map as the touchpoint before it (the shortest SLA over maps)."""
    shortest: dict[tuple[str, str], int] = {}
    for m in maps:
        for step in m.steps:
            if step.within_seconds is None:
                continue
            for before in m.steps:
                if before.name != step.name:
                    pair = (before.name, step.name)
                    seconds = shortest.get(pair, step.within_seconds)
                    shortest[pair] = min(seconds, step.within_seconds)
    return tuple((a, b, seconds) for (a, b), seconds in sorted(shortest.items()))
