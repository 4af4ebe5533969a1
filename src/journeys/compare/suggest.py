"""Suggest a revised map that explains the most frequent observed journeys (``suggest-map``).

The revision keeps the original's name, metadata, step names, stages and flags. It is built from
the journeys in scope (see ``scope.py``), with ignored touchpoints removed:

1. take the journeys' step sequences from the most frequent down, until the share of
   conforming journeys under the revised map reaches ``coverage``, measured on the journeys
   the original map is about (its scope), so the revision and the original are compared on
   the same journeys (journeys the new steps bring into scope are reported apart; in-flight
   journeys count with the prefix rule). Drop-offs are never adopted: a finished sequence that
   reached neither the map's goal nor one of its exits is a journey that left, not a path to
   design for. Nor is a sequence fewer than ``min_share`` of those journeys take (pm4py's
   variant coverage filter; default 0 here, ``MIN_VARIANT_SHARE`` when discovering a map): in
   a log where nearly every journey is a variant of its own, adopting them all would design
   every rework and detour in (a purchase-to-pay log of 3,000 orders and 128 activities gave a
   discovered map of 2,421 transitions); they stay departures, which compare ranks as gaps;
2. designed transitions = the original ones that some journey took + every transition of the
   chosen sequences; entries and exits = the original ones + where the chosen sequences start
   and where the finished ones (all of which reached the goal or an exit) end (an in-flight
   journey's last step is not an exit; a new step at the end of one, with no way on to an exit,
   is left out); new touchpoints become steps in the stage of their most frequent neighbour (or
   a new stage "Observed");
3. original steps no journey reached, and steps no longer on an entry-to-exit walk, are removed;
4. a step becomes ``optional`` when journeys skip it and the flag adds no transition that was
   not observed; ``next:`` is written only where it differs from the default.

Returns a readable diff (and the YAML when ``out`` is None).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from journeys.compare.mapdiff import describe_changes
from journeys.compare.mapgraph import build_graph
from journeys.compare.maps import JourneyMap, MapStep, format_duration, load_map, parse_map
from journeys.compare.maptraces import Trace, collect_traces, conforms, measure_share
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.warehouse import Warehouse
from journeys.words import in_number, numbered

OBSERVED_STAGE = "Observed"
MIN_VARIANT_SHARE = 0.01
"""The share of journeys a sequence must have to be adopted into a *discovered* map
(``--min-variant-share``). A revision adopts any sequence by default (0): it starts from the
assumed map, and each step it adds is listed in its diff for review."""


@dataclass(frozen=True)
class Revision:
    """A suggested map, its YAML text and the conforming shares before and after, both on the
    journeys in the original map's scope."""

    journey_map: JourneyMap
    text: str
    share_before: float
    share_after: float
    journeys: int
    """Journeys in the original map's scope (both shares are over these)."""
    added_journeys: int = 0
    """Journeys the revision's new steps bring into scope (not in the shares)."""
    added_share: float | None = None
    """The revision's conforming share among those."""
    rare_sequences: int = 0
    """Sequences the revision does not explain that it left out as rarer than ``min_share``."""
    rare_journeys: int = 0
    """Their journeys (in the original's scope)."""


def suggest_map(
    wh: Warehouse,
    settings: Settings,
    map_file: Path,
    *,
    coverage: float,
    out: Path | None,
    min_share: float = 0.0,
) -> str:
    """Write (to ``out``) or return a revised map covering ``coverage`` of journeys; return the
    diff against the original."""
    check_shares(coverage, min_share)
    original = load_map(Path(map_file))
    if not wh.table_exists("marts.journeys"):
        raise CompareError("marts.journeys not found; run `journeys build` before suggest-map")
    journeys = wh.scan_table("marts.journeys", columns=["variant_id", "path", "status"])
    traces = collect_traces(original, journeys)
    revision = revise_map(original, traces, coverage=coverage, min_share=min_share)
    head = (
        f"suggest-map '{original.name}' ({original.source}): on the {revision.journeys} "
        f"journeys in the original's scope, the revision explains {revision.share_after:.1%} "
        f"(the original: {revision.share_before:.1%}; target {coverage:.0%})"
    ) + rare_note(revision.rare_journeys, revision.rare_sequences, min_share)
    if revision.added_journeys:
        head += (
            f"; its new steps bring {revision.added_journeys} more journeys into scope, "
            f"{revision.added_share or 0.0:.1%} of them conforming"
        )
    diff = describe_changes(original, revision.journey_map)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(revision.text, encoding="utf-8")
        return "\n".join([head, *diff, f"written to {out}"])
    return "\n".join([head, *diff, "", revision.text])


def check_shares(coverage: float, min_share: float) -> None:
    """Both shares between 0 and 1, or a CompareError naming the option."""
    for flag, value, example in (
        ("--coverage", coverage, "0.8"),
        ("--min-variant-share", min_share, "0.01"),
    ):
        if not 0.0 <= value <= 1.0:
            raise CompareError(f"{flag} {value}: must be between 0 and 1, e.g. {example}")


def rare_note(journeys: int, sequences: int, min_share: float, *, of: int | None = None) -> str:
    """Why a map explains less than asked for because of ``min_share``: ``journeys`` (of the
    ``of`` it does not explain) take ``sequences`` too rare to adopt; '' when there are none."""
    if not sequences:
        return ""
    who = (
        f" of the {numbered(of, 'journey')} it does not explain"
        if of is not None
        else f" {in_number(journeys, 'journey')}"
    )
    return (
        f"; {journeys}{who} {in_number(journeys, 'takes', 'take')} one of "
        f"{numbered(sequences, 'sequence')} that "
        f"each fewer than {min_share * 100:g}% of the journeys take (--min-variant-share "
        f"{min_share:g}): too rare to design for, they stay departures, which compare ranks as "
        "gaps (--min-variant-share 0 adopts them)"
    )


def revise_map(
    original: JourneyMap,
    traces: Sequence[Trace],
    *,
    coverage: float,
    min_share: float = 0.0,
) -> Revision:
    """A revision built from the most frequent sequences first, adding sequences until
    ``coverage`` of the original's journeys conform (or every sequence that may be adopted
    has been taken). Finished sequences without the outcome (drop-offs) are never adopted, nor
    are sequences fewer than ``min_share`` of those journeys take."""
    before, total = measure_share(original, traces)
    pairs = {p for t in traces for p in zip(t.steps, t.steps[1:], strict=False)}
    seen = {s for t in traces for s in t.steps}
    chosen: list[Trace] = []
    taken: set[Trace] = set()
    revised, data = _build(original, chosen, pairs, seen)
    while True:
        share, _ = measure_share(revised, traces, scope=original)
        names = set(original.step_names)  # what the shares measure: the original's journeys
        open_ = [
            t
            for t in traces
            if t not in taken
            and (t.outcome or not t.finished)
            and names.intersection(t.steps)
            and not conforms(revised, t)
        ]
        todo = [t for t in open_ if t.journeys >= min_share * total]
        if share >= coverage or not todo:
            revision = _revision(original, revised, data, traces, coverage, before, share, total)
            if share >= coverage:
                return revision
            rare = [t for t in open_ if t.journeys < min_share * total]
            return replace(
                revision,
                rare_sequences=len(rare),
                rare_journeys=sum(t.journeys for t in rare),
            )
        deficit = math.ceil(coverage * total - share * total - 1e-9)
        for t in todo:
            chosen.append(t)
            taken.add(t)
            deficit -= t.journeys
            if deficit <= 0:
                break
        revised, data = _build(original, chosen, pairs, seen)


def _revision(
    original: JourneyMap,
    revised: JourneyMap,
    data: dict[str, Any],
    traces: Sequence[Trace],
    coverage: float,
    before: float,
    share: float,
    total: int,
) -> Revision:
    old = set(original.step_names)
    added = [t for t in traces if not old.intersection(t.steps)]
    added_share, added_total = measure_share(revised, added)
    header = (
        f"# Suggested by `journeys suggest-map --coverage {coverage}` from the {total} "
        "journeys the original map is about.\n"
        "# Review it like code before it replaces the assumed map.\n"
    )
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return Revision(
        revised,
        text,
        before,
        share,
        total,
        added_journeys=added_total,
        added_share=added_share if added_total else None,
    )


def _build(
    original: JourneyMap,
    chosen: Sequence[Trace],
    pairs: set[tuple[str, str]],
    seen: set[str],
) -> tuple[JourneyMap, dict[str, Any]]:
    required = {e for e in original.edges() if e in pairs}
    required |= {p for t in chosen for p in zip(t.steps, t.steps[1:], strict=False)}
    entries = set(original.entry) | {t.steps[0] for t in chosen}
    # only journeys that reached the outcome end where a journey may end: an abandoned
    # journey's last step is where it left, not an exit
    exits = set(original.exit) | {t.steps[-1] for t in chosen if t.finished and t.outcome}
    keep = {s for s in original.step_names if s in seen} | {s for t in chosen for s in t.steps}
    keep = _prune(keep, required, entries, exits)
    if not keep:  # nothing observed fits yet: start from the original as designed
        keep, required = set(original.step_names), set(original.edges())
        entries, exits = set(original.entry), set(original.exit)
    required = {(a, b) for a, b in required if a in keep and b in keep}
    steps = _place(original, chosen, keep)
    data = _document(original, steps, required, entries, exits)
    return parse_map(data, source=original.source), data


def _prune(
    keep: set[str], edges: set[tuple[str, str]], entries: set[str], exits: set[str]
) -> set[str]:
    """Drop steps that are not on an entry-to-exit walk, until none are left to drop."""
    while True:
        live = {(a, b) for a, b in edges if a in keep and b in keep}
        fwd = _reach(entries & keep, live)
        back = _reach(exits & keep, {(b, a) for a, b in live})
        nxt = keep & fwd & back
        if nxt == keep:
            return keep
        keep = nxt


def _reach(seeds: set[str], edges: set[tuple[str, str]]) -> set[str]:
    links: dict[str, list[str]] = {}
    for a, b in edges:
        links.setdefault(a, []).append(b)
    seen, stack = set(seeds), list(seeds)
    while stack:
        for b in links.get(stack.pop(), ()):
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return seen


def _place(
    original: JourneyMap, chosen: Sequence[Trace], keep: set[str]
) -> list[tuple[str, str, MapStep | None]]:
    """(name, stage, original step or None) in file order; new steps beside their neighbours."""
    order: list[tuple[str, str, MapStep | None]] = [
        (s.name, s.stage, s) for s in original.steps if s.name in keep
    ]
    weights = Counter({t.steps: t.journeys for t in chosen})
    known = {s.name for s in original.steps}
    pending = list(
        dict.fromkeys(s for t in chosen for s in t.steps if s not in known and s in keep)
    )
    while pending:  # place steps whose neighbours are placed; repeat; leftovers to "Observed"
        for name in pending:
            if _insert(order, name, weights):
                pending.remove(name)
                break
        else:
            order.append((pending.pop(0), OBSERVED_STAGE, None))
    return order


def _insert(
    order: list[tuple[str, str, MapStep | None]], name: str, weights: Counter[tuple[str, ...]]
) -> bool:
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for steps, n in weights.items():
        for a, b in zip(steps, steps[1:], strict=False):
            if b == name and a != name:
                before[a] += n
            if a == name and b != name:
                after[b] += n
    placed = [o[0] for o in order]
    anchor = next((a for a, _ in before.most_common() if a in placed), None)
    if anchor is not None:
        i = placed.index(anchor) + 1
        stage = order[i - 1][1]
        while i < len(order) and order[i][2] is None and order[i][1] == stage:
            i += 1  # after new steps already placed behind the same anchor
        order.insert(i, (name, stage, None))
        return True
    anchor = next((b for b, _ in after.most_common() if b in placed), None)
    if anchor is not None:
        i = placed.index(anchor)
        order.insert(i, (name, order[i][1], None))
        return True
    return False


@dataclass(frozen=True)
class _Flags:
    """Per step name, what the YAML says: optional, repeatable, and the ``next:`` list."""

    optional: dict[str, bool]
    repeatable: dict[str, bool]
    nexts: dict[str, list[str]]

    def edges(self, names: Sequence[str]) -> frozenset[tuple[str, str]]:
        """The transitions a map with these steps (in this order) and flags designs."""
        fake = [
            MapStep(
                name=n,
                stage="",
                position=i + 1,
                optional=self.optional[n],
                repeatable=self.repeatable[n],
                next=tuple(self.nexts[n]),
            )
            for i, n in enumerate(names)
        ]
        return build_graph(fake, entry=names[:1], exit=names[-1:]).edges


def _choose_flags(
    names: Sequence[str], required: set[tuple[str, str]], *, optional: dict[str, bool]
) -> _Flags:
    """Explicit successors for ``required``, then simplified without changing the designed
    transitions: a step becomes optional when journeys skip it, and a successor the optional
    skips already imply is dropped from ``next:``."""
    succ = {n: [b for b in names if (n, b) in required and b != n] for n in names}
    flags = _Flags(
        optional=optional,
        repeatable={n: (n, n) in required for n in names},
        nexts={n: list(v) for n, v in succ.items()},
    )
    target = flags.edges(names)
    for name in names:  # optional when journeys skip it and the flag adds nothing unobserved
        if flags.optional[name] or not any(
            (a, b) in required for a in names for b in succ[name] if (a, name) in required
        ):
            continue
        trial = replace(flags, optional={**flags.optional, name: True})
        if trial.edges(names) == target:
            flags = trial
    for name in names:  # drop explicit successors the optional skips already imply
        for b in list(flags.nexts[name]):
            trial = replace(
                flags, nexts={**flags.nexts, name: [x for x in flags.nexts[name] if x != b]}
            )
            if trial.edges(names) == target:
                flags = trial
    return flags


def _describe_step(
    name: str, orig: MapStep | None, *, flags: _Flags, default: list[str]
) -> dict[str, Any]:
    """One step as YAML: the original's description, channel, team, system, SLA and expected
    share, the flags, and ``next:`` where it differs from ``default`` (the following step) or
    carries a kept transition's expected share."""
    item: dict[str, Any] = {"name": name}
    if orig is not None and orig.description:
        item["description"] = orig.description
    if flags.optional[name]:
        item["optional"] = True
    if flags.repeatable[name]:
        item["repeatable"] = True
    for key in ("channel", "team", "system"):
        if orig is not None and getattr(orig, key):
            item[key] = getattr(orig, key)
    if orig is not None and orig.within_seconds is not None:
        item["within"] = format_duration(orig.within_seconds)
    if orig is not None and orig.expected_share is not None:
        item["expected_share"] = orig.expected_share
    shares = dict(orig.next_shares) if orig is not None else {}
    nexts = flags.nexts[name]
    if nexts != default or any(b in shares for b in nexts):
        item["next"] = [
            {"step": b, "expected_share": shares[b]} if b in shares else b for b in nexts
        ]
    return item


def _group_stages(
    steps: Sequence[tuple[str, str, MapStep | None]], *, flags: _Flags
) -> list[dict[str, Any]]:
    """The steps as YAML, consecutive steps of one stage grouped under it."""
    names = [s[0] for s in steps]
    stages: list[dict[str, Any]] = []
    for i, (name, stage, orig) in enumerate(steps):
        item = _describe_step(name, orig, flags=flags, default=names[i + 1 : i + 2])
        if not stages or stages[-1]["name"] != stage:
            stages.append({"name": stage, "steps": []})
        stages[-1]["steps"].append(item)
    return stages


def _document(
    original: JourneyMap,
    steps: Sequence[tuple[str, str, MapStep | None]],
    required: set[tuple[str, str]],
    entries: set[str],
    exits: set[str],
) -> dict[str, Any]:
    """The revised map as a YAML document: the original's name and metadata, then the steps."""
    names = [s[0] for s in steps]
    flags = _choose_flags(
        names, required, optional={n: bool(o and o.optional) for n, _, o in steps}
    )
    entry = [n for n in names if n in entries]
    exit_ = [n for n in names if n in exits]
    data: dict[str, Any] = {"name": original.name}
    for key in ("description", "owner"):
        if getattr(original, key):
            data[key] = getattr(original, key)
    if original.goal in names:
        data["goal"] = original.goal
    if entry != names[:1]:
        data["entry"] = entry
    if exit_ != names[-1:]:
        data["exit"] = exit_
    if original.ignore:
        data["ignore"] = list(original.ignore)
    data["stages"] = _group_stages(steps, flags=flags)
    return data
