"""Plain words for the fix-first list: what happens, what kind of loss it is, and what it does to
the goal, said with the map's own step names and the gap's own figures (never the sample's).

Texts here are raw; the sections escape them (``html_text``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from journeys.compare.deviations import GapType
from journeys.report.units import format_share

DROPOFFS = "dropoffs"
KINDS = {
    "dropoff": ("Drop-off", "customers leave without the goal"),
    "detour": ("Detour", "an off-map step or move, then the goal less often"),
    "rework": ("Rework", "a step done again"),
    "skip": ("Skipped step", "a designed step left out"),
    "delay": ("Delay", "later than the map's time limit"),
    "switch": ("Channel switch", "a change of channel the map does not plan"),
    "share": ("Share off expectation", "more or fewer journeys take a step than the map expects"),
}
"""Kind of loss: label, and what it means (the list's legend)."""


def outcome_name(goal: str | None, exits: Sequence[str]) -> str:
    """What the map calls success: its goal step, else its exit steps."""
    if goal:
        return f"'{goal}'"
    if not exits:
        return "the end of the map"
    return " or ".join(f"'{e}'" for e in exits)


def loss_kind(row: Mapping[str, Any]) -> str:
    """The kind of loss a gap is (a key of KINDS)."""
    if row.get("ranking") == DROPOFFS:
        return "dropoff"
    kinds: dict[str, str] = {
        GapType.LOOP: "rework",
        GapType.SKIPPED_STEP: "skip",
        GapType.SLA_BREACH: "delay",
        GapType.CHANNEL_SWITCH: "switch",
        GapType.DROPOFF: "dropoff",
        GapType.SHARE_DRIFT: "share",
    }
    return kinds.get(str(row.get("gap_type")), "detour")


def _q(name: object) -> str:
    return f"'{name}'"


def what_happens(row: Mapping[str, Any], *, outcome: str) -> str:
    """One sentence: what the journeys with the gap do."""
    kind = str(row.get("gap_type"))
    before, after, touchpoint = row.get("from_step"), row.get("to_step"), row.get("touchpoint")
    detail = row.get("detail")
    if kind == GapType.DROPOFF:
        return f"Customers stop after {_q(before)} and never reach {outcome}."
    if kind == GapType.SKIPPED_STEP and row.get("ranking") == DROPOFFS:
        # the outcome step skipped: with several exits and no goal, reaching none of them (the
        # alignment names the one it drew: 'Sign Loan Agreement' of a loan log's two)
        return f"Journeys end without {outcome}."
    if kind == GapType.SKIPPED_STEP:
        return f"Customers skip {_q(after)}."
    if kind == GapType.LOOP:
        return f"Customers go through {_q(after)} again."
    if kind == GapType.SLA_BREACH:
        limit = f"the {detail} the map allows" if detail else "the map's time limit"
        return f"{_q(after)} comes later than {limit} after the previous step."
    if kind == GapType.CHANNEL_SWITCH:
        between = f"between {_q(before)} and {_q(after)}"
        return f"Customers change channel ({detail}) {between}."
    if kind == GapType.UNEXPECTED_TRANSITION:
        return (
            f"Customers go from {_q(before)} straight to {_q(after)}, which the map does not plan."
        )
    if kind == GapType.SHARE_DRIFT:
        subject = f"{_q(before)} → {_q(after)}" if before else _q(after)
        return f"{subject} is taken by {detail}."
    if kind == GapType.UNUSED_TRANSITION:
        return f"Nobody goes from {_q(before)} to {_q(after)} as the map designs."
    return _unexpected(row, before, after, touchpoint, detail)


def _unexpected(
    row: Mapping[str, Any], before: object, after: object, touchpoint: object, detail: object
) -> str:
    where = f"After {_q(before)}, customers" if before else "Customers start with"
    text = f"{where} {'go to ' if before else ''}{_q(touchpoint)}, which is not on the map"
    if row.get("ranking") == DROPOFFS:
        return text + ", and stop there."
    if detail and "," in str(detail):  # its journeys went on to different steps
        return f"{text}; then {detail}."
    if after:
        return f"{text}, before {_q(after)}."
    return text + ", at the end of the journey."


def goal_effect(row: Mapping[str, Any], *, outcome: str) -> str:
    """How often these journeys reach the outcome, against comparable ones; empty when compare
    could not measure it."""
    with_, without = row.get("outcome_rate_with"), row.get("outcome_rate_without")
    if with_ is None or without is None:
        return ""
    return (
        f"{format_share(with_)} of them reach {outcome}, against {format_share(without)} of "
        "comparable journeys."
    )
