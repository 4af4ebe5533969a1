"""A first map discovered from the journeys (``suggest-map`` without ``--map``).

For a log that comes with no assumed map: the most frequent journey becomes a seed map (its steps
in order); when no sequence is taken by ``min_share`` of the journeys, the log's backbone does
(``backbone``: the touchpoints at least half the journeys take, in their usual order). Where
the journeys end is the log's to say: an end many finished journeys reach and most journeys
that take it end at is an outcome (``own_ends``), so a process with two (a fine paid, or sent
to credit collection; a loan signed or denied) gets both as exits and no ``goal:`` (which
outcome is wanted the data cannot say: the summary asks), and only a journey that stops
elsewhere is a drop-off.
``suggest.revise_map`` then adds the next most frequent sequences until the map explains
``coverage`` of the journeys in its scope (the same rules and the same writer as a revision,
so the file reads like any other map), leaving out sequences fewer than ``min_share`` of the
journeys take: in a log where most journeys are variants of their own, the map stays the
process's backbone and the rare detours stay departures. Then, so the draft is
ready to edit:

- every step with an observed way in gets ``within:`` (an SLA): the median time of its most
  frequent designed incoming transition (``marts.transitions.median_seconds``), rounded up to a
  whole minute, hour or day; a median over a year (a fine sent to credit collection 550 days
  on) gets none, as a map's ``within:`` is at most 365d, and the description names the step;
- the steps, in file order, are cut into stages at the longest of those waits (about four steps
  a stage), each stage named after its first step.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from journeys.compare.maps import (
    MAX_WITHIN_SECONDS,
    STEP_KEYS,
    JourneyMap,
    format_duration,
    parse_map,
)
from journeys.compare.maptraces import Trace, collect_traces, conforms, measure_share
from journeys.compare.suggest import (
    MIN_VARIANT_SHARE,
    Revision,
    check_shares,
    rare_note,
    revise_map,
)
from journeys.config import Settings
from journeys.errors import CompareError
from journeys.warehouse import Warehouse
from journeys.words import in_number, listed, numbered

STEPS_PER_STAGE = 4
END_FACTOR = 0.6
"""pm4py's decreasing factor for its start- and end-activity filters
(``filtering_constants.DECREASING_FACTOR``): the ends kept are the most frequent, then each next
while it is more than this times the one before (``own_ends``)."""
END_SHARE = 0.2
"""An end at least this share of the finished journeys reach may be an outcome (``own_ends``)."""
END_RATIO = 0.5
"""An outcome ends most journeys that take it: more than this share of them (``own_ends``)."""


def discover_map(
    wh: Warehouse,
    settings: Settings,
    *,
    coverage: float,
    out: Path | None,
    name: str | None = None,
    min_share: float | None = None,
) -> str:
    """Write (to ``out``) or return a map discovered from ``marts.journeys``; return a summary
    of what it holds. ``min_share``: see ``suggest.revise_map`` (None: MIN_VARIANT_SHARE)."""
    min_share = MIN_VARIANT_SHARE if min_share is None else min_share
    check_shares(coverage, min_share)
    if not wh.table_exists("marts.journeys"):
        raise CompareError("marts.journeys not found; run `journeys build` before suggest-map")
    journeys = wh.read_table("marts.journeys", columns=["variant_id", "path", "status"])
    if journeys.is_empty():
        raise CompareError("marts.journeys is empty; load events and run `journeys build` first")
    map_name = name or (Path(out).stem if out is not None else "discovered")
    seed, from_backbone = seed_map(journeys, name=map_name, min_share=min_share)
    revision = revise_map(
        seed, _seed_traces(seed, journeys), coverage=coverage, min_share=min_share
    )
    medians = _medians(wh)
    data = finish_document(
        revision,
        medians,
        journeys=journeys.height,
        coverage=coverage,
        min_share=min_share,
        backbone=from_backbone,
    )
    journey_map = parse_map(data, source=str(out or map_name))
    # over the discovered map's own scope, as compare counts it: the revision measured over the
    # seed's (the journeys touching the most frequent journey's steps), a few journeys fewer
    traces = collect_traces(journey_map, journeys)
    share, scoped = measure_share(journey_map, traces)
    unlisted = _name_unlisted(data, unlisted_ends(traces, journey_map, min_share))
    text = (
        _header(coverage, scoped)
        + _left_off(journeys, journey_map)
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    )
    head = (
        f"suggest-map: discovered '{map_name}' from {numbered(journeys.height, 'journey')}: "
        f"{numbered(len(journey_map.steps), 'step')} in "
        f"{numbered(len(journey_map.stages), 'stage')}, "
        f"{numbered(len(journey_map.edges()), 'designed transition')}; it explains "
        f"{share:.1%} of the {numbered(scoped, 'journey')} in its scope (target {coverage:.0%})"
        + _exits_note(journey_map)
        + (f"; {unlisted}" if unlisted else "")
        + (_backbone_note(min_share) if from_backbone else "")
        + (_short_of_target(journey_map, traces, min_share) if share < coverage else "")
    )
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        return "\n".join([head, f"written to {out}; edit it, then `journeys compare --map {out}`"])
    return "\n".join([head, "", text])


def _seed_traces(seed: JourneyMap, journeys: pl.DataFrame) -> list[Trace]:
    """The journeys as traces of the seed, those that end at one of the log's own outcomes
    (``own_ends``) marked as having reached one, so the revision may adopt them."""
    traces = collect_traces(seed, journeys)
    ends = own_ends(traces)
    return [replace(t, outcome=True) if t.finished and t.steps[-1] in ends else t for t in traces]


def _backbone_note(min_share: float) -> str:
    return (
        f"; no sequence is taken by {min_share * 100:g}% of the journeys, so its steps are "
        f"the touchpoints at least {BACKBONE_SHARE:.0%} of them take, in their usual order"
    )


def own_ends(traces: Sequence[Trace]) -> set[str]:
    """Where the finished journeys end that is an outcome, not a place they left: an end that
    pm4py's end-activity filter keeps (the most frequent, then each next while it is more than
    ``END_FACTOR`` times the one before) or that at least ``END_SHARE`` of them reach, and where
    most journeys that take it end (``END_RATIO``). A paid fine (47% end there, 98% of those
    who pay), a signed loan (26% beside 48% denied) and a cancelled order are outcomes; the
    sample's 14% who leave after viewing a product (17% of those who view one) and a p2p log's
    orders that stopped after approval (3-4% at each of several steps) are drop-offs."""
    ends, takes = _end_counts(traces)
    frequent: set[str] = set()
    before = 0
    for end, n in sorted(ends.items(), key=lambda kv: (-kv[1], kv[0])):
        if frequent and n <= before * END_FACTOR:
            break
        frequent.add(end)
        before = n
    finished = sum(ends.values())
    frequent |= {end for end, n in ends.items() if n >= END_SHARE * finished}
    return {end for end in frequent if ends[end] > END_RATIO * takes[end]}


def _end_counts(traces: Sequence[Trace]) -> tuple[Counter[str], Counter[str]]:
    """Per touchpoint, the finished journeys that end at it and those that take it."""
    ends: Counter[str] = Counter()
    takes: Counter[str] = Counter()
    for t in traces:
        if t.finished:
            ends[t.steps[-1]] += t.journeys
            takes.update(dict.fromkeys(set(t.steps), t.journeys))
    return ends, takes


def unlisted_ends(
    traces: Sequence[Trace], journey_map: JourneyMap, min_share: float
) -> dict[str, float]:
    """The ends that are not the map's but end most journeys that take them, each reached by
    at least ``min_share`` of the finished journeys, with that share, the most first: outcomes
    too rare for an exit of the draft, or drop-offs, which only the user can tell apart (a
    recruiting log's 10% 'offer accepted and hired' beside 85% 'send rejection')."""
    ends, takes = _end_counts(traces)
    finished = sum(ends.values())
    found = {
        end: n / finished
        for end, n in ends.items()
        if end not in journey_map.end_steps
        and n > END_RATIO * takes[end]
        and n >= max(min_share * finished, 1)
    }
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def _name_unlisted(data: dict[str, Any], unlisted: dict[str, float]) -> str:
    """The note naming ``unlisted`` (``_unlisted_note``), also added to the draft's
    description, so the report's page says it too."""
    note = _unlisted_note(unlisted)
    if note:
        data["description"] += f" {note[0].upper()}{note[1:]}."
    return note


def _unlisted_note(unlisted: dict[str, float]) -> str:
    """``'offer accepted and hired' (10%) and 'job offer declined' (5%) end ...``, or ''."""
    if not unlisted:
        return ""
    named = [f"'{end}' ({share:.0%})" for end, share in list(unlisted.items())[:4]]
    more = len(unlisted) - len(named)
    subject = listed(named) + (f" and {more} more" if more > 0 else "")
    if len(unlisted) == 1:
        return (
            f"{subject} ends most journeys that reach it, and is a drop-off in this draft: add "
            "it to the map as an `exit:` if it is an outcome"
        )
    return (
        f"{subject} end most journeys that reach them, and are drop-offs in this draft: add "
        "one to the map as an `exit:` if it is an outcome"
    )


def seed_map(
    journeys: pl.DataFrame, *, name: str, min_share: float = 0.0
) -> tuple[JourneyMap, bool]:
    """The most frequent finished journey's steps, in order, as a map (ties: the path). When
    even that sequence is taken by fewer than ``min_share`` of the journeys, no sequence speaks
    for the log (every hospital case its own variant), and one journey picked among equals was
    the map: the seed is the log's backbone instead (``backbone``), and the flag says so."""
    ranked = (
        journeys.filter(pl.col("path").list.len() > 0)
        .group_by("variant_id")
        .agg(pl.col("path").first(), pl.len().alias("n"), (pl.col("status") != "in_flight").any())
        .sort(["status", "n", "variant_id"], descending=[True, True, False])
    )
    if ranked.is_empty():
        raise CompareError("no journey has a step; load events and run `journeys build` first")
    if ranked["n"][0] < min_share * int(ranked["n"].sum()):
        return backbone(journeys, name=name, min_share=min_share), True
    path: Sequence[str] = ranked["path"][0].to_list()
    names = list(dict.fromkeys(path))
    loops = {a for a, b in zip(path, path[1:], strict=False) if a == b}
    steps = [{"name": n, **({"repeatable": True} if n in loops else {})} for n in names]
    document = {"name": name, "stages": [{"name": "Observed", "steps": steps}]}
    return parse_map(document, source=name), False


BACKBONE_SHARE = 0.5
"""A backbone's steps are the touchpoints at least this share of the journeys take."""


def backbone(journeys: pl.DataFrame, *, name: str, min_share: float) -> JourneyMap:
    """The touchpoints most journeys take (``BACKBONE_SHARE``), in the order they usually come
    (the median of where each first comes in its journey, as a share of the journey's length),
    as one sequence: the assumed journey a workshop draws of a log whose every case is a
    variant of its own. A step repeated in a row by at least ``min_share`` of the journeys is
    repeatable. At least the most taken touchpoint, so the map is never empty."""
    walked = (
        journeys.filter(pl.col("path").list.len() > 0)
        .select(pl.int_range(pl.len()).alias("j"), "path")
        .with_columns(pl.col("path").list.len().alias("length"))
        .explode("path")
        .with_columns(pl.int_range(pl.len()).over("j").alias("at"))
    )
    total = walked["j"].n_unique()
    first = walked.group_by("j", "path").agg(
        (pl.col("at").min() / pl.col("length").first()).alias("place"),
        (pl.col("at").diff() == 1).any().alias("again"),
    )
    taken = (
        first.group_by("path")
        .agg(
            pl.len().alias("n"),
            pl.col("place").median(),
            pl.col("again").sum().alias("repeated"),
        )
        .sort(["n", "path"], descending=[True, False])
    )
    steps = taken.filter(pl.col("n") >= BACKBONE_SHARE * total)
    if steps.is_empty():
        steps = taken.head(1)
    steps = steps.sort(["place", "path"])
    return parse_map(
        {
            "name": name,
            "stages": [
                {
                    "name": "Observed",
                    "steps": [
                        {"name": t, **({"repeatable": True} if r >= min_share * total else {})}
                        for t, r in steps.select("path", "repeated").iter_rows()
                    ],
                }
            ],
        },
        source=name,
    )


def finish_document(
    revision: Revision,
    medians: pl.DataFrame,
    *,
    journeys: int,
    coverage: float,
    min_share: float = MIN_VARIANT_SHARE,
    backbone: bool = False,
) -> dict[str, Any]:
    """The revision's document with SLAs, stages and a description (see the module docstring)."""
    data: dict[str, Any] = yaml.safe_load(revision.text)
    steps = [step for stage in data["stages"] for step in stage["steps"]]
    edges = revision.journey_map.edges()
    waits: dict[str, int] = {}
    beyond: list[str] = []
    for i, step in enumerate(steps):
        seconds = _sla(step["name"], edges, medians)
        if seconds is not None:
            waits[step["name"]] = seconds
            if seconds <= MAX_WITHIN_SECONDS:
                step["within"] = format_duration(seconds)
            else:
                beyond.append(f"'{step['name']}' ({format_duration(seconds)})")
        steps[i] = {k: step[k] for k in STEP_KEYS if k in step}  # the order docs/maps.md uses
    data["description"] = (
        f"Discovered from {numbered(journeys, 'journey')} by "
        f"`journeys suggest-map --coverage {coverage}`: "
        + (
            f"no sequence is taken by {min_share * 100:g}% of the journeys, so the steps are "
            f"the touchpoints at least {BACKBONE_SHARE:.0%} of them take, in the order they "
            "usually come"
            if backbone
            else f"the most frequent sequences (each taken by at least {min_share * 100:g}% of "
            "the journeys), as steps"
        )
        + "; `within:` is the observed median wait. "
        + (
            f"No `within:` where that wait is over a year, the longest SLA a map holds: "
            f"{', '.join(beyond)}. "
            if beyond
            else ""
        )
        + (
            "`exit:` lists the ends many journeys reach: add the one you want as `goal:`. "
            if len(data.get("exit") or []) > 1
            else ""
        )
        + "Rename, regroup and set your own SLAs."
    )
    data["stages"] = _stages(steps, waits)
    ordered: dict[str, Any] = {k: data[k] for k in ("name", "description") if k in data}
    return {**ordered, **{k: v for k, v in data.items() if k not in ordered}}


def _sla(step: str, edges: frozenset[tuple[str, str]], medians: pl.DataFrame) -> int | None:
    """The median seconds of the most frequent designed transition into ``step``, rounded up."""
    into = [
        (-n, a, seconds)
        for a, b, n, seconds in medians.filter(pl.col("to_touchpoint") == step).iter_rows()
        if a != b and (a, b) in edges
    ]
    return round_up(min(into)[2]) if into else None


def round_up(seconds: float | None) -> int | None:
    """Up to a whole minute (under an hour), hour (under two days) or day; at least 1m."""
    if seconds is None or math.isnan(seconds):
        return None
    for unit, below in ((60, 3600), (3600, 2 * 86400)):
        if seconds < below:
            return max(unit, math.ceil(seconds / unit) * unit)
    return math.ceil(seconds / 86400) * 86400


def _stages(steps: list[dict[str, Any]], waits: dict[str, int]) -> list[dict[str, Any]]:
    """Cut the steps (file order) into stages at the longest waits into a step."""
    count = max(1, math.ceil(len(steps) / STEPS_PER_STAGE))
    candidates = sorted(range(1, len(steps)), key=lambda i: (-waits.get(steps[i]["name"], 0), i))
    cuts = sorted(candidates[: count - 1])
    stages: list[dict[str, Any]] = []
    for start, end in zip([0, *cuts], [*cuts, len(steps)], strict=True):
        part = steps[start:end]
        stages.append({"name": f"Stage {len(stages) + 1}: {part[0]['name']}", "steps": part})
    return stages


def _medians(wh: Warehouse) -> pl.DataFrame:
    columns = ["from_touchpoint", "to_touchpoint", "transitions", "median_seconds"]
    if not wh.table_exists("marts.transitions"):
        return pl.DataFrame(
            schema={**dict.fromkeys(columns[:2], pl.String), columns[2]: pl.Int64,
                    columns[3]: pl.Float64}
        )  # fmt: skip
    return wh.read_table("marts.transitions", columns=columns)


def _short_of_target(journey_map: JourneyMap, traces: list[Trace], min_share: float) -> str:
    """Why a discovered map explains less than the coverage asked for: the journeys in its
    scope it does not explain that ended without its end (drop-offs, such as cancellations),
    which a map of the intended journey never takes in, and those whose sequence fewer than
    ``min_share`` of the journeys take (``suggest.revise_map``)."""
    names = set(journey_map.step_names)
    scoped = sum(t.journeys for t in traces if names.intersection(t.steps))
    missed = [t for t in traces if names.intersection(t.steps) and not conforms(journey_map, t)]
    total = sum(t.journeys for t in missed)
    dropped = sum(t.journeys for t in missed if t.finished and not t.outcome)
    rare = [t for t in missed if (t.outcome or not t.finished) and t.journeys < min_share * scoped]
    text = ""
    if dropped:
        text = (
            f"; {dropped} of the {numbered(total, 'journey')} it does not explain "
            f"{in_number(dropped, 'ends', 'end')} without reaching its end (drop-offs, such as "
            "cancellations), which a map of the intended journey does not take in; compare "
            "reports them as drop-offs"
        )
    return text + rare_note(sum(t.journeys for t in rare), len(rare), min_share, of=total)


LEFT_OFF_LISTED = 8


def _left_off(journeys: pl.DataFrame, journey_map: JourneyMap) -> str:
    """Comment lines naming the touchpoints the journeys take that the map left off, the most
    taken first with their journeys (the draft's reader adds one as a step to design it in);
    '' when every touchpoint is a step."""
    steps = set(journey_map.step_names)
    taken = (
        journeys.select(pl.col("path").list.unique())
        .explode("path")
        .drop_nulls()
        .filter(~pl.col("path").is_in(list(steps)))
        .group_by("path")
        .len()
        .sort(["len", "path"], descending=[True, False])
    )
    if taken.is_empty():
        return ""
    total = journeys.height
    lines = [
        "# Touchpoints the journeys take that are not steps, the most taken first (add one as a",
        "# step to design it in):",
        *(
            f"#   {_one_line(t)}: {n:,} {in_number(n, 'journey')} ({n / total:.0%})"
            for t, n in taken.head(LEFT_OFF_LISTED).iter_rows()
        ),
    ]
    if taken.height > LEFT_OFF_LISTED:
        lines.append(f"#   and {taken.height - LEFT_OFF_LISTED:,} more (marts.touchpoints)")
    return "".join(f"{line}\n" for line in lines)


def _one_line(name: str) -> str:
    """A touchpoint name for a comment line: a line break or other control character in it
    would end the comment and put the rest of the name into the map as YAML."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", name).split())


def _exits_note(journey_map: JourneyMap) -> str:
    """The draft's several exits, and that the goal is the user's to choose: the data cannot
    say whether a signed loan or a denied one is the outcome wanted (with the most frequent
    journey's end as the goal, pm4py's lending log ranked rejected applications as costing
    denied loans)."""
    ends = [f"'{e}'" for e in journey_map.end_steps]
    if len(ends) < 2:
        return ""
    return (
        f"; it ends at {listed(ends)}, the ends many journeys reach: add the one you want as "
        "`goal:` and compare measures every gap by it"
    )


def _header(coverage: float, scoped: int) -> str:
    return (
        f"# Discovered by `journeys suggest-map --coverage {coverage}` from the "
        f"{scoped} journeys in its scope.\n"
        "# A first draft: review it like code before it becomes the assumed journey.\n"
    )
