"""Sessions: strict inactivity gaps, ties decided by seq, the greedy max-length cut, channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from builders import int_events_after
from journeys.config import SessionSettings, Settings
from journeys.paths import build_paths
from journeys.warehouse import Warehouse

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PHONE = {"channel": "phone"}


def _events(*rows: tuple) -> pl.DataFrame:
    """Rows ``(customer, seconds after T0, touchpoint[, {column: value}])``; seq defaults to the
    row number, so the list order is the arrival order."""
    return int_events_after(T0, *rows)


def _sessions(wh: Warehouse, events: pl.DataFrame, **options: object) -> pl.DataFrame:
    wh.write_table("intermediate.int_events", events)
    build_paths(wh, Settings(sessions=SessionSettings(**options)), full=True)
    return wh.read_table("marts.sessions", order_by=["customer_key", "started_at"])


def _session_of(wh: Warehouse) -> dict[str, str]:
    events = wh.read_table("marts.events", columns=["event_id", "session_id"])
    return dict(zip(events["event_id"], events["session_id"], strict=True))


def test_gap_exactly_equal_stays_in_the_session_and_one_second_more_splits(wh: Warehouse):
    sessions = _sessions(
        wh,
        _events(("a", 0, "Visit"), ("a", 1800, "View"), ("a", 3601, "Cart")),
        gap_seconds="30m",
    )
    assert sessions["n_events"].to_list() == [2, 1]
    assert _session_of(wh) == {"e0": "a-s1", "e1": "a-s1", "e2": "a-s2"}


def test_ties_on_occurred_at_are_ordered_by_seq_not_by_arrival_in_the_table(wh: Warehouse):
    # same instant, seq 7 before seq 9 although the rows arrive the other way round
    events = _events(("a", 0, "Second", {"seq": 9}), ("a", 0, "First", {"seq": 7}))
    _sessions(wh, events)
    steps = wh.read_table("marts.events", order_by=["step_index"])
    assert steps["touchpoint"].to_list() == ["First", "Second"]
    assert steps["next_touchpoint"].to_list() == ["Second", None]
    assert steps["seconds_to_next"].to_list() == [0.0, None]


def test_max_length_cut_is_greedy_from_each_part_start(wh: Warehouse):
    # an event every 20 minutes for 3 hours; max 1h: parts start at 0, 80, 160 minutes.
    # The event at exactly 60 minutes stays in the first part (cut only when strictly longer).
    minutes = list(range(0, 181, 20))
    sessions = _sessions(wh, _events(*[("a", m * 60, f"P{m}") for m in minutes]), max_seconds="1h")
    assert sessions["n_events"].to_list() == [4, 4, 2]
    assert (sessions["ended_at"] - sessions["started_at"]).max() <= timedelta(hours=1)
    ids = _session_of(wh)
    assert [ids[f"e{i}"] for i in (0, 3, 4, 7, 8)] == ["a-s1", "a-s1", "a-s1.2", "a-s1.2", "a-s1.3"]


def test_max_length_cut_keeps_events_of_one_instant_together(wh: Warehouse):
    events = _events(("a", 0, "A"), ("a", 1200, "B"), ("a", 3700, "C"), ("a", 3700, "D"))
    sessions = _sessions(wh, events, max_seconds="1h", gap_seconds="1h")
    assert sessions["n_events"].to_list() == [2, 2]


def test_a_customer_with_one_event_has_one_session(wh: Warehouse):
    sessions = _sessions(wh, _events(("solo", 0, "Visit")))
    row = sessions.row(0, named=True)
    assert (row["session_id"], row["n_events"], row["started_at"]) == ("solo-s1", 1, T0)
    assert row["ended_at"] == row["started_at"]


def test_channels_are_the_sorted_distinct_known_channels(wh: Warehouse):
    events = _events(("a", 0, "Visit"), ("a", 60, "Call", PHONE), ("a", 90, "X", {"channel": None}))
    sessions = _sessions(wh, events)
    assert sessions["channels"].to_list() == [["phone", "web"]]


@pytest.mark.parametrize("count", [3, 64, 70])  # more than 64: no bit each, listed instead
def test_a_sessions_channels_are_its_own_however_many_the_part_has(wh: Warehouse, count: int):
    names = [f"ch{n:03d}" for n in range(count)]
    rows = [(f"c{n}", 0, "Visit", {"channel": name}) for n, name in enumerate(names)]
    rows += [("mix", m * 60, "Call", {"channel": names[(m * 7) % count]}) for m in range(9)]
    rows += [("mix", 600, "Note", {"channel": None}), ("none", 0, "Note", {"channel": None})]
    sessions = _sessions(wh, _events(*rows))
    got = dict(zip(sessions["customer_key"], sessions["channels"].to_list(), strict=True))
    assert got["mix"] == sorted({names[(m * 7) % count] for m in range(9)})
    assert got["none"] is None
    assert all(got[f"c{n}"] == [name] for n, name in enumerate(names))


def test_split_by_channel_gives_each_channel_its_own_sessions(wh: Warehouse):
    events = _events(
        ("a", 0, "Visit"),
        ("a", 60, "Call", PHONE),
        ("a", 120, "View"),
        ("a", 5000, "Call", PHONE),
    )
    sessions = _sessions(wh, events, split_by_channel=True)
    assert sorted(zip(sessions["session_id"], sessions["n_events"], strict=True)) == [
        ("a-phone-s1", 1),
        ("a-phone-s2", 1),
        ("a-web-s1", 2),
    ]


def test_customers_are_sessionised_apart_and_a_rebuild_gives_the_same_ids(wh: Warehouse):
    events = _events(("a", 0, "Visit"), ("b", 10, "Visit"), ("a", 20, "View"), ("b", 9000, "X"))
    first = _sessions(wh, events)
    again = _sessions(wh, events.reverse())
    assert first.equals(again)
    assert first["session_id"].to_list() == ["a-s1", "b-s1", "b-s2"]


@pytest.mark.parametrize("gap", [0, 1])
def test_zero_or_tiny_gap_splits_everything_that_is_not_simultaneous(wh: Warehouse, gap: int):
    events = _events(("a", 0, "A"), ("a", 0, "B"), ("a", 2, "C"))
    sessions = _sessions(wh, events, gap_seconds=gap)
    assert sessions["n_events"].to_list() == [2, 1]
