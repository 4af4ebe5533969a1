"""Comparing two groups of journeys: shares side by side, flagged only when large and supported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from journeys.errors import BuildError
from journeys.mining import (
    Selection,
    compare_periods,
    compare_segments,
    compare_selections,
    group_profiles,
)
from journeys.mining.segments import benjamini_hochberg, two_proportion_test

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _selection(groups: dict[str, list[tuple[list[str], int]]]) -> Selection:
    """groups: segment -> [(path, how many journeys)]; journeys start one day apart per segment
    (segment order), so segments are also periods."""
    journeys, events = [], []
    for day, (segment, paths) in enumerate(groups.items()):
        for path, count in paths:
            for _ in range(count):
                jid = f"j{len(journeys)}"
                start = T0 + timedelta(days=day)
                journeys.append(
                    {
                        "journey_id": jid,
                        "customer_key": f"c{len(journeys)}",
                        "started_at": start,
                        "status": "completed" if path[-1] == "Pay" else "abandoned",
                        "segment": segment,
                        "n_steps": len(path),
                        "path": path,
                        "value": 10.0 if path[-1] == "Pay" else 0.0,
                        "duration_seconds": 60.0 * (len(path) - 1),
                    }
                )
                for i, touchpoint in enumerate(path):
                    events.append(
                        {
                            "journey_id": jid,
                            "customer_key": f"c{len(journeys) - 1}",
                            "step_index": i + 1,
                            "touchpoint": touchpoint,
                            "occurred_at": start + timedelta(minutes=i),
                            "channel": "web",
                        }
                    )
    return Selection(pl.DataFrame(journeys), pl.DataFrame(events))


SELECTION = _selection(
    {
        "smb": [(["Visit", "Cart", "Pay"], 60), (["Visit", "Cart"], 40)],
        "enterprise": [
            (["Visit", "Cart", "Pay"], 30),
            (["Visit", "Cart"], 68),
            (["Visit", "Help"], 2),
        ],
    }
)


def _row(frame: pl.DataFrame, kind: str, item: str) -> dict:
    return frame.filter((pl.col("kind") == kind) & (pl.col("item") == item)).row(0, named=True)


def test_large_supported_difference_is_flagged_small_or_rare_ones_are_not():
    result = compare_segments(SELECTION, "smb", "enterprise")
    pay = _row(result, "touchpoint", "Pay")
    assert (pay["journeys_a"], pay["journeys_b"]) == (60, 30)
    assert pay["difference"] == pytest.approx(-0.3)
    assert pay["p_value"] < 0.001 and pay["flagged"]
    assert _row(result, "transition", "Cart -> Pay")["flagged"]
    assert _row(result, "status", "abandoned")["difference"] == pytest.approx(0.3)
    visit = _row(result, "touchpoint", "Visit")
    assert (visit["difference"], visit["flagged"]) == (0.0, False)
    help_ = _row(result, "touchpoint", "Help")  # only in b, 2 journeys: below min_journeys
    assert (help_["journeys_a"], help_["journeys_b"], help_["flagged"]) == (0, 2, False)
    assert result["flagged"].to_list() == sorted(result["flagged"].to_list(), reverse=True)


def test_thresholds_control_flagging():
    strict = compare_segments(SELECTION, "smb", "enterprise", min_difference=0.5)
    assert not strict["flagged"].any()
    loose = compare_segments(
        SELECTION, "smb", "enterprise", min_journeys=1, min_difference=0.0, alpha=1.0
    )
    assert _row(loose, "touchpoint", "Help")["flagged"]


def test_periods_compare_like_segments():
    by_period = compare_periods(
        SELECTION,
        (T0, T0 + timedelta(days=1)),
        (T0 + timedelta(days=1), T0 + timedelta(days=2)),
    )
    by_segment = compare_segments(SELECTION, "smb", "enterprise")
    assert by_period.equals(by_segment)


def test_a_group_against_itself_differs_nowhere():
    same = compare_selections(SELECTION, SELECTION)
    assert same["difference"].abs().max() == 0.0
    assert not same["flagged"].any()


def test_an_empty_group_names_the_fix():
    with pytest.raises(BuildError, match="selection b has no journeys; widen its filter"):
        compare_segments(SELECTION, "smb", "public sector")


def test_group_profiles_side_by_side():
    profiles = group_profiles(SELECTION.journeys)
    rows = {r["segment"]: r for r in profiles.iter_rows(named=True)}
    assert rows["smb"]["completed_share"] == pytest.approx(0.6)
    assert rows["enterprise"]["abandoned_share"] == pytest.approx(0.7)
    assert (rows["smb"]["journeys"], rows["smb"]["value"]) == (100, 600.0)


def test_two_proportion_test_matches_the_textbook_formula():
    z, p = two_proportion_test(np.array([60, 0]), 100, np.array([30, 0]), 100)
    pooled = 0.45
    expected = (0.3 - 0.6) / (pooled * (1 - pooled) * (2 / 100)) ** 0.5
    assert z[0] == pytest.approx(expected)
    assert p[0] == pytest.approx(2.008e-5, rel=1e-3)  # |z| = 4.26
    assert (z[1], p[1]) == (0.0, 1.0)  # nothing to test when both shares are 0


def test_benjamini_hochberg_adjusts_in_input_order():
    q = benjamini_hochberg(np.array([0.04, 0.01, 0.03]))
    assert q.tolist() == pytest.approx([0.04, 0.03, 0.04])
    assert benjamini_hochberg(np.array([])).size == 0
