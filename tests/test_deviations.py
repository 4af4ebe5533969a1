"""The gap types and deviation texts have one home (compare/deviations.py): every gap compare
finds is a GapType, and every GapType is labelled, described and documented."""

from __future__ import annotations

import polars as pl
import pytest

from conftest import ROOT
from journeys.compare.alignment import align_trace
from journeys.compare.deviations import (
    GAP_LABELS,
    GapType,
    describe_gap,
    gap_label,
    skipped_text,
    unexpected_text,
)
from journeys.compare.maps import parse_map
from test_gaps import ROWS, gaps_of
from test_shares import SHARE_MAP


def test_the_gaps_compare_finds_are_exactly_the_gap_types():
    found = set(gaps_of(ROWS, journey_map=SHARE_MAP)["gap_type"].to_list())
    assert found == {gap.value for gap in GapType}  # ROWS has one of each


@pytest.mark.parametrize("gap", list(GapType))
def test_every_gap_type_is_labelled_described_and_documented(gap: GapType):
    maps_doc = (ROOT / "docs" / "maps.md").read_text(encoding="utf-8")
    schema = (ROOT / "sql" / "marts" / "schema.yml").read_text(encoding="utf-8")
    assert gap.label and gap_label(gap.value) == GAP_LABELS[gap.value] == gap.label
    assert f"| `{gap.value}` |" in maps_doc
    assert f"`{gap.value}`" in schema
    row = {"gap_type": gap.value, "from_step": "A", "to_step": "B", "touchpoint": "X"}
    text = describe_gap({**row, "detail": "1h", "_mixed": False, "_via": None})
    assert text and "{" not in text


def test_labels_of_unknown_types_are_shown_as_they_are():
    assert gap_label("new_kind") == "new_kind"
    frame = pl.DataFrame({"gap_type": ["loop", "other"]})
    labels = frame["gap_type"].replace_strict(GAP_LABELS, default=frame["gap_type"])
    assert labels.to_list() == ["Loop", "other"]


def test_descriptions_say_where_an_unexpected_step_happened():
    base = {"gap_type": "unexpected_step", "touchpoint": "Call", "detail": None, "_via": None}
    where = {
        ("A", "B"): "unexpected 'Call' between 'A' and 'B'",
        ("A", None): "unexpected 'Call' after 'A', at the end",
        (None, "B"): "unexpected 'Call' at the start, before 'B'",
    }
    for (before, after), text in where.items():
        row = {**base, "from_step": before, "to_step": after, "_mixed": False}
        assert describe_gap(row) == text


def test_the_alignment_lists_its_moves_with_the_deviation_texts():
    journey_map = parse_map(
        {"name": "m", "stages": [{"name": "S", "steps": ["A", "B", "C"]}]}, source="m.yaml"
    )
    moves = align_trace(journey_map, ["X", "A", "C"]).deviations()
    assert moves == (unexpected_text("X", None), skipped_text("B"))
    assert moves == ("unexpected 'X' at the start", "skipped 'B'")
    assert unexpected_text("X", "A") == "unexpected 'X' after 'A'"
