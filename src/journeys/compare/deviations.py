"""The words for where reality departs from a map, in one place: the gap types with their labels
and descriptions (``marts.map_gaps``), and the deviation texts of ``marts.map_conformance``.

Compare writes them, the report and the Prefect artifacts show the labels; the values of
``GapType`` are the public ``gap_type`` values of DESIGN.md. A new gap type is one member here
(plus how compare finds it, in gaps.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class GapType(StrEnum):
    """A ``marts.map_gaps.gap_type``, with its report label and its description template
    (``{from_step}``, ``{to_step}``, ``{touchpoint}``, ``{detail}``, ``{where}``)."""

    label: str
    template: str

    def __new__(cls, value: str, label: str, template: str) -> GapType:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.template = template
        return member

    SKIPPED_STEP = ("skipped_step", "Skipped step", "'{to_step}' skipped")
    UNEXPECTED_STEP = ("unexpected_step", "Unexpected step", "unexpected '{touchpoint}' {where}")
    UNEXPECTED_TRANSITION = (
        "unexpected_transition",
        "Off-map transition",
        "'{from_step}' → '{to_step}' is not a designed transition",
    )
    UNUSED_TRANSITION = (
        "unused_transition",
        "Designed transition nobody used",
        "designed '{from_step}' → '{to_step}' never taken",
    )
    LOOP = ("loop", "Loop", "'{to_step}' repeated")
    SLA_BREACH = (
        "sla_breach",
        "SLA breach",
        "'{to_step}' later than {detail} after the previous step",
    )
    CHANNEL_SWITCH = (
        "channel_switch",
        "Channel switch",
        "channel switch {detail} from '{from_step}' to '{to_step}'",
    )
    DROPOFF = ("dropoff", "Drop-off", "abandoned after '{from_step}'")
    SHARE_DRIFT = ("share_drift", "Share off expectation", "{subject} taken by {detail}")


GAP_TYPES: Mapping[str, GapType] = {gap.value: gap for gap in GapType}
"""gap_type -> GapType."""
GAP_LABELS: Mapping[str, str] = {gap.value: gap.label for gap in GapType}
"""gap_type -> label, for polars' ``replace_strict``."""


def gap_label(gap_type: str) -> str:
    """The label of a gap type; an unknown one is shown as it is."""
    return GAP_LABELS.get(gap_type, gap_type)


def describe_gap(row: Mapping[str, object]) -> str:
    """The description of one gap (``marts.map_gaps.description``) from its key columns,
    ``_mixed`` (its journeys went on to different steps, listed in ``detail``), ``_via`` (the
    off-map touchpoint most of them came through) and, for a late outcome (``ranking``
    ``late_outcomes``), its delay distribution."""
    before, after, via = row["from_step"], row["to_step"], row.get("_via")
    if row["gap_type"] == GapType.SHARE_DRIFT:  # a step, or a transition between two
        subject = f"'{before}' → '{after}'" if before else f"'{after}'"
        return GapType.SHARE_DRIFT.template.format(subject=subject, detail=row["detail"])
    came = f"'{before}'" if before else None
    if came and via and via not in (before, row["touchpoint"]):
        came += f" → '{via}'"  # most of its journeys came through an off-map touchpoint
    if row["_mixed"]:
        # its journeys went on to different steps: say where, with the shares
        start = f"after {came}" if came else "at the start"
        where = f"{start}, then {row['detail']}"
    elif came and after:
        where = f"between {came} and '{after}'"
    elif came:
        where = f"after {came}, at the end"
    elif after:
        where = f"at the start, before '{after}'"
    else:
        where = "with no map step around it"
    text = GAP_TYPES[str(row["gap_type"])].template.format(where=where, **row)
    if row.get("ranking") == "late_outcomes" and row.get("delay_median_seconds") is not None:
        text += (
            f": a median {span_text(row['delay_median_seconds'])} (90% within "
            f"{span_text(row['delay_p90_seconds'])}); each of these journeys reached the "
            "outcome, so what the delay costs is not in the outcome rate"
        )
    return text


def span_text(seconds: object) -> str:
    """A wait for people: ``1.5d``, ``5.2h``, ``40m``."""
    value = float(seconds)  # type: ignore[arg-type]
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + unit
    return f"{value:.0f}s"


def skipped_text(step: str) -> str:
    """A model move as ``marts.map_conformance.deviations`` lists it."""
    return f"skipped '{step}'"


def unexpected_text(touchpoint: str, previous: str | None) -> str:
    """A log move as ``marts.map_conformance.deviations`` lists it: the touchpoint, after the
    last map step the journey did (``previous``; None: at the start)."""
    where = f"after '{previous}'" if previous else "at the start"
    return f"unexpected '{touchpoint}' {where}"
