"""Journeys: horizon gaps, start/end touchpoints, cases kept as is, status at the cut-off,
stable ids, the events and customers marts, and incremental == full rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import int_events_after
from journeys.config import JourneySettings, SessionSettings, Settings
from journeys.errors import BuildError, WarehouseError
from journeys.paths import build_paths, variant_id_of
from journeys.paths.rules import PathRules
from journeys.warehouse import Warehouse

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
DAY = 86400


def _events(*rows: tuple, first_seq: int = 0) -> pl.DataFrame:
    """Rows ``(customer, seconds after T0, touchpoint[, {column: value}])``; seq is the row
    number (arrival order)."""
    return int_events_after(T0, *rows, first_seq=first_seq)


def _settings(**journeys: object) -> Settings:
    return Settings(journeys=JourneySettings(**journeys))


def _journeys(wh: Warehouse, events: pl.DataFrame, **journeys: object) -> pl.DataFrame:
    wh.write_table("intermediate.int_events", events)
    build_paths(wh, _settings(**journeys), full=True)
    return wh.read_table("marts.journeys", order_by=["customer_key", "started_at"])


def _paths(journeys: pl.DataFrame) -> list[list[str]]:
    return journeys["path"].to_list()


def test_gap_equal_to_the_horizon_stays_and_a_longer_gap_starts_a_journey(wh: Warehouse):
    events = _events(("a", 0, "Visit"), ("a", 14 * DAY, "Buy"), ("a", 28 * DAY + 1, "Visit"))
    journeys = _journeys(wh, events)
    assert _paths(journeys) == [["Visit", "Buy"], ["Visit"]]
    assert journeys["journey_id"].to_list() == ["a-j1", "a-j2"]


def test_start_touchpoint_opens_and_end_touchpoint_closes_a_journey(wh: Warehouse):
    events = _events(
        ("a", 0, "Browse"),
        ("a", 60, "Visit"),  # start touchpoint: a new journey
        ("a", 120, "Pay"),
        ("a", 180, "Delivered"),  # end touchpoint: the next event starts a new journey
        ("a", 240, "Review"),
    )
    journeys = _journeys(wh, events, start_touchpoints=("Visit",), end_touchpoints=("Delivered",))
    assert _paths(journeys) == [["Browse"], ["Visit", "Pay", "Delivered"], ["Review"]]
    assert journeys["status"].to_list() == ["in_flight", "completed", "in_flight"]


def test_status_at_the_cutoff_with_end_touchpoints(wh: Warehouse):
    events = _events(
        ("done", 0, "Delivered"),
        ("gone", 0, "Visit"),  # last event 20 days before the cut-off: abandoned
        ("open", 6 * DAY, "Visit"),  # 14 days before the cut-off exactly: still in flight
        ("late", 20 * DAY, "Visit"),  # sets the default cut-off (latest event)
    )
    journeys = _journeys(wh, events, end_touchpoints=("Delivered",))
    status = dict(zip(journeys["customer_key"], journeys["status"], strict=True))
    assert status == {
        "done": "completed",
        "gone": "abandoned",
        "open": "in_flight",
        "late": "in_flight",
    }


def test_status_without_end_touchpoints_completes_once_the_horizon_has_passed(wh: Warehouse):
    events = _events(("old", 0, "Visit"), ("new", 10 * DAY, "Visit"))
    journeys = _journeys(wh, events, cutoff=T0 + timedelta(days=15))
    status = dict(zip(journeys["customer_key"], journeys["status"], strict=True))
    assert status == {"old": "completed", "new": "in_flight"}
    assert set(journeys["status"]) <= {"completed", "in_flight", "abandoned"}


def test_case_ids_are_kept_as_journeys_as_is(wh: Warehouse):
    case = {"case_id": "T-7"}
    events = _events(
        ("c", 0, "Open", case),
        ("c", 60 * DAY, "Delivered", case),  # far beyond the horizon, an end touchpoint
        ("c", 61 * DAY, "Visit", case),  # a start touchpoint
        ("c", 62 * DAY, "Web visit"),  # no case: a journey of the customer
    )
    journeys = _journeys(wh, events, start_touchpoints=("Visit",), end_touchpoints=("Delivered",))
    assert journeys["journey_id"].to_list() == ["T-7", "c-j1"]
    assert _paths(journeys) == [["Open", "Delivered", "Visit"], ["Web visit"]]
    case_events = wh.read_table("marts.events", order_by=["seq"]).filter(
        pl.col("case_id").is_not_null()
    )
    assert case_events["step_index"].to_list() == [1, 2, 3]
    assert case_events["journey_id"].unique().to_list() == ["T-7"]


def test_a_customer_with_one_event(wh: Warehouse):
    journeys = _journeys(wh, _events(("solo", 0, "Visit")))
    row = journeys.row(0, named=True)
    assert (row["n_steps"], row["path"], row["duration_seconds"]) == (1, ["Visit"], 0.0)
    assert row["first_touchpoint"] == row["last_touchpoint"] == "Visit"
    event = wh.read_table("marts.events").row(0, named=True)
    assert (event["step_index"], event["next_touchpoint"], event["journey_id"]) == (
        1,
        None,
        "solo-j1",
    )


def test_ties_take_seq_order_in_paths_and_steps(wh: Warehouse):
    events = _events(("a", 0, "B"), ("a", 0, "A")).with_columns(seq=pl.Series([5, 2]))
    journeys = _journeys(wh, events)
    assert _paths(journeys) == [["A", "B"]]


def test_journey_measures_switches_handoffs_systems_and_value(wh: Warehouse):
    events = _events(
        ("a", 0, "Visit", {"channel": "web", "team": "growth", "system": "cms"}),
        ("a", 60, "Call", {"channel": "phone", "team": "support", "system": "crm"}),
        ("a", 120, "Note", {"channel": None, "team": "support", "system": "crm"}),
        ("a", 180, "Pay", {"channel": "web", "team": "payments", "system": "psp", "value": 40.0}),
        ("a", 240, "Refund", {"channel": "web", "team": "payments", "value": -15.0}),
    )
    row = _journeys(wh, events).row(0, named=True)
    # web->phone switches; phone->NULL->web does not count (unknown channel in between)
    assert row["n_channel_switches"] == 1
    assert row["n_team_handoffs"] == 2
    assert row["n_systems"] == 3
    assert row["value"] == pytest.approx(25.0)


@pytest.mark.parametrize("teams", [3, 64, 65, 90])
def test_distinct_systems_channels_and_teams_are_counted_exactly(wh: Warehouse, teams: int):
    """marts/journeys.sql counts them as bits of the part's values (up to 64), and
    marts/updates/journeys_distinct.sql with count(distinct) beyond: the same numbers."""
    rows = []
    for c in range(30):  # 30 customers, each one journey of 1-6 steps over the teams
        for step in range(1 + c % 6):
            team = f"team-{(c * 7 + step * 5) % teams}" if (c + step) % 5 else None
            channel = ["web", "phone", None][(c + step) % 3]
            rows.append((f"c{c}", step * 60, "Step", {"team": team, "channel": channel}))
    rows += [(f"x{t}", 0, "Solo", {"team": f"team-{t}"}) for t in range(teams)]  # every team
    rows += [("all", t, "Pass", {"team": f"team-{t}"}) for t in range(teams)]  # in one journey
    events = _events(*rows)
    journeys = _journeys(wh, events).sort("journey_id")
    expected = (
        wh.read_table("marts.events")
        .group_by("journey_id")
        .agg(
            n_teams=pl.col("team").drop_nulls().n_unique(),
            n_channels=pl.col("channel").drop_nulls().n_unique(),
            n_systems=pl.col("system").drop_nulls().n_unique(),
        )
        .sort("journey_id")
    )
    found = journeys.select("journey_id", "n_teams", "n_channels", "n_systems")
    assert found.cast(expected.schema).equals(expected)
    assert found["n_teams"].max() == teams and found["n_systems"].max() == 0
    assert journeys.schema["n_teams"] == pl.Int64


def test_journeys_read_out_of_step_order_get_their_path_again(wh: Warehouse):
    """marts/journeys.sql takes each journey's lists in the order marts.events holds them and
    checks it by the step numbers; a journey read out of order is left NULL there and
    marts/updates/journeys_path.sql computes it with ordered aggregates: the same marts."""
    rows = [
        (f"c{c}", step * 600, f"T{(c + step * 3) % 5}", {"value": round(0.1 * (step + c), 1)})
        for c in range(12)
        for step in range(1 + c % 7)
    ]
    wh.write_table("intermediate.int_events", _events(*rows))
    build_paths(wh, _settings(), full=True)
    columns = ["journey_id", "path", "value", "variant_id", "first_touchpoint", "last_touchpoint"]
    expected = wh.read_table("marts.journeys", order_by=["journey_id"]).select(columns)
    assert expected["path"].list.len().max() == 7
    # the events in another order than their steps': the lists are read out of step order
    wh._run(
        "CREATE OR REPLACE TABLE marts.events AS SELECT * FROM marts.events ORDER BY md5(event_id)"
    )
    wh.run_model("marts/journeys", **PathRules.of(_settings()).params(full=True), parts=1, part=0)
    assert wh.scalar("queries/journeys_path_missing")
    wh.execute("marts/updates/journeys_path")
    found = wh.read_table("marts.journeys", order_by=["journey_id"]).select(columns)
    assert found.equals(expected)
    assert not wh.scalar("queries/journeys_path_missing")


def test_variant_id_is_the_python_hash_of_the_path(wh: Warehouse):
    journeys = _journeys(wh, _events(("a", 0, "Visit"), ("a", 5, "Buy"), ("b", 0, "Visit")))
    for path, variant in zip(journeys["path"], journeys["variant_id"], strict=True):
        assert variant == variant_id_of(path)
    assert variant_id_of(["a", "b"]) != variant_id_of(["a b"])
    assert len(set(journeys["variant_id"])) == 2


def test_events_mart_has_the_contract_columns_and_one_row_per_event(wh: Warehouse):
    events = _events(("a", 0, "Visit"), ("a", 5, "Buy"), ("b", 0, "Visit"))
    _journeys(wh, events)
    marts = wh.read_table("marts.events", order_by=["seq"])
    contract = {
        "event_id", "source", "customer_key", "journey_id", "session_id", "occurred_at", "seq",
        "step_index", "touchpoint", "channel", "team", "system", "value", "event_type",
    }  # fmt: skip
    assert contract <= set(marts.columns)
    assert marts["event_id"].to_list() == events["event_id"].to_list()
    assert marts["step_index"].to_list() == [1, 2, 1]


def test_customers_mart_joins_profiles_and_journeys(wh: Warehouse):
    profiles = pl.DataFrame(
        {
            "customer_key": ["a", "z"],
            "n_identities": [3, 1],
            "segment": ["smb", "enterprise"],
            "created_at": [T0, T0],
            "is_stitched": [True, True],
        }
    )
    wh.write_table("intermediate.int_customer_profiles", profiles)
    events = _events(
        ("a", 0, "Pay", {"value": 10.0}),
        ("a", 30 * DAY, "Pay", {"value": 5.0}),
        ("b", 0, "Visit"),
    )
    journeys = _journeys(wh, events)
    assert journeys.filter(pl.col("customer_key") == "a")["segment"].to_list() == ["smb", "smb"]
    customers = wh.read_table("marts.customers", order_by=["customer_key"])
    rows = {r["customer_key"]: r for r in customers.iter_rows(named=True)}
    assert (rows["a"]["n_identities"], rows["a"]["n_journeys"], rows["a"]["total_value"]) == (
        3,
        2,
        15.0,
    )
    assert rows["a"]["last_seen_at"] == T0 + timedelta(days=30)
    assert (rows["b"]["n_identities"], rows["b"]["segment"], rows["b"]["n_journeys"]) == (
        1,
        None,
        1,
    )
    assert (rows["z"]["n_journeys"], rows["z"]["first_seen_at"]) == (0, None)


def test_missing_events_table_names_it_and_the_fix(wh: Warehouse):
    with pytest.raises(BuildError, match=r"intermediate.int_events: table not found; load events"):
        build_paths(wh, Settings())


def _marts(wh: Warehouse) -> dict[str, pl.DataFrame]:
    keys = {
        "marts.events": ["seq"],
        "marts.sessions": ["session_id"],
        "marts.journeys": ["journey_id"],
        "marts.customers": ["customer_key"],
    }
    return {table: wh.read_table(table, order_by=order) for table, order in keys.items()}


@pytest.mark.parametrize(
    "sessions",
    [SessionSettings(), SessionSettings(split_by_channel=True, max_seconds=90, gap_seconds=60)],
)
def test_incremental_rebuild_equals_full_rebuild_when_the_cutoff_moves(
    wh: Warehouse, sessions: SessionSettings
):
    settings = Settings(journeys=JourneySettings(end_touchpoints=("Delivered",)), sessions=sessions)
    day1 = _events(
        ("a", 0, "Visit"),
        ("a", 60, "Pay"),
        ("b", 0, "Visit"),  # not touched again; in flight now, abandoned once the cut-off moves
        ("c", 0, "Visit"),
        ("c", 60, "Delivered"),
    )
    day2 = _events(
        ("a", 120, "Delivered"),  # joins a's journey
        ("c", 30 * DAY, "Visit"),  # a new journey for c; moves the cut-off 30 days on
        ("d", 30 * DAY, "Visit"),  # a new customer
        ("a", 30, "Late", {"channel": "phone"}),  # a late event inside a's journey
        first_seq=100,
    )
    wh.write_table("intermediate.int_events", day1)
    wh.write_table(
        "intermediate.int_dirty_customers", pl.DataFrame({"customer_key": ["a", "b", "c"]})
    )
    assert build_paths(wh, settings).full  # no marts yet: a full build
    assert (
        wh.read_table("marts.journeys").filter(pl.col("customer_key") == "b")["status"].item()
        == "in_flight"
    )

    wh.write_table("intermediate.int_events", day2, mode="append")
    wh.write_table(
        "intermediate.int_dirty_customers", pl.DataFrame({"customer_key": ["a", "c", "d"]})
    )
    result = build_paths(wh, settings)
    assert (result.full, result.rebuilt_customers) == (False, 3)
    incremental = _marts(wh)

    with Warehouse() as fresh:
        fresh.write_table("intermediate.int_events", pl.concat([day1, day2]))
        build_paths(fresh, settings, full=True)
        full = _marts(fresh)
    for table, frame in full.items():
        assert incremental[table].equals(frame), table
    journeys = incremental["marts.journeys"]
    assert journeys.filter(pl.col("customer_key") == "b")["status"].item() == "abandoned"
    assert journeys.filter(pl.col("customer_key") == "a")["path"].to_list() == [
        [
            "Visit",
            "Late",
            "Pay",
            "Delivered",
        ]
    ]


def test_aggregating_in_customer_parts_gives_the_same_marts(wh: Warehouse, monkeypatch):
    from journeys.paths import scope

    events = _events(*[(f"c{i % 7}", i * DAY // 3, f"T{i % 4}") for i in range(60)])
    wh.write_table("intermediate.int_events", events)
    build_paths(wh, _settings(), full=True)
    whole = _marts(wh)
    monkeypatch.setattr(scope, "EVENTS_PER_PART", 8)  # 60 events: 8 parts
    build_paths(wh, _settings(), full=True)
    for table, frame in _marts(wh).items():
        assert frame.equals(whole[table]), table
    assert whole["marts.journeys"]["customer_key"].n_unique() == 7


def _reference(rows: list[dict], gap: int, longest: int, horizon: int) -> dict[str, tuple]:
    """Plain-Python statement of the rules: event_id -> (journey_id, session_id, step_index)."""
    start, end = {"B"}, {"C"}
    out: dict[str, tuple] = {}
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["customer_key"], row["case_id"]), []).append(row)
    for (customer, case), events in groups.items():
        events.sort(key=lambda r: (r["occurred_at"], r["seq"]))
        journey = session = part = step = 0
        part_start = prev = None
        for row in events:
            at = row["occurred_at"]
            if prev is None or (at - prev["occurred_at"]).total_seconds() > gap:
                session, part, part_start = session + 1, 1, at
            elif (at - part_start).total_seconds() > longest:
                part, part_start = part + 1, at
            new_journey = prev is None or (
                case is None
                and (
                    (at - prev["occurred_at"]).total_seconds() > horizon
                    or row["touchpoint"] in start
                    or prev["touchpoint"] in end
                )
            )
            journey, step = (journey + 1, 1) if new_journey else (journey, step + 1)
            journey_id = case if case is not None else f"{customer}-j{journey}"
            session_id = f"{case or customer}-s{session}" + (f".{part}" if part > 1 else "")
            out[row["event_id"]] = (journey_id, session_id, step)
            prev = row
    return out


EVENT = st.tuples(
    st.sampled_from(["a", "b", "k"]),
    st.integers(0, 40).map(lambda m: m * 15 * 60),  # quarter hours: ties and equal gaps
    st.sampled_from("ABCD"),
    st.sampled_from(["K1", "K2"]),
)


@settings(max_examples=15, deadline=None)
@given(st.lists(EVENT, min_size=1, max_size=25))
def test_sql_matches_a_plain_statement_of_the_rules(rows):
    events = _events(
        *[
            (customer, seconds, tp, {"case_id": case if customer == "k" else None})
            for customer, seconds, tp, case in rows
        ]
    )
    with Warehouse() as wh:
        wh.write_table("intermediate.int_events", events)
        build_paths(
            wh,
            Settings(
                sessions=SessionSettings(gap_seconds="30m", max_seconds="1h"),
                journeys=JourneySettings(
                    horizon_seconds="90m", start_touchpoints=("B",), end_touchpoints=("C",)
                ),
            ),
            full=True,
        )
        got = wh.read_table(
            "marts.events", columns=["event_id", "journey_id", "session_id", "step_index"]
        )
    expected = _reference(events.to_dicts(), gap=1800, longest=3600, horizon=5400)
    assert {r[0]: tuple(r[1:]) for r in got.iter_rows()} == expected


def test_changed_rules_force_a_full_rebuild(wh: Warehouse):
    wh.write_table("intermediate.int_events", _events(("a", 0, "Visit"), ("a", 3 * DAY, "Buy")))
    wh.write_table("intermediate.int_dirty_customers", pl.DataFrame({"customer_key": ["zzz"]}))
    assert build_paths(wh, _settings()).full  # first build
    assert not build_paths(wh, _settings()).full  # same rules: incremental (nothing dirty)
    changed = build_paths(wh, _settings(horizon_seconds="1d"))
    assert changed.full and changed.journeys == 2


def test_a_touchpoint_holding_the_path_separator_stays_one_step(wh: Warehouse):
    """marts/journeys.sql joins each journey's steps by chr(31) and splits them again: a name
    holding chr(31) would split in two, so its journey takes the ordered aggregates' path."""
    rows = [("a", 0, "Visit\x1fsite"), ("a", 60, "Buy"), ("b", 0, "Visit"), ("b", 60, "Buy")]
    journeys = _journeys(wh, _events(*rows)).sort("journey_id")
    assert journeys["path"].to_list() == [["Visit\x1fsite", "Buy"], ["Visit", "Buy"]]
    assert journeys["n_steps"].to_list() == [2, 2]
    for path, variant in zip(journeys["path"], journeys["variant_id"], strict=True):
        assert variant == variant_id_of(path)


def test_a_given_cutoff_leaves_the_events_unread(wh: Warehouse):
    """A partition's build is handed the writer's cut-off: its events are then not read for
    one (coalesce alone read them all: 0.18 s of a 5M-event lane)."""
    wh._run(  # events behind a filter, as a partition's lane reads its own (an error if read)
        "CREATE SCHEMA IF NOT EXISTS intermediate; CREATE OR REPLACE VIEW intermediate.int_events "
        "AS SELECT now()::timestamptz AS occurred_at FROM range(3) "
        "WHERE error('int_events was read') IS NULL"
    )
    wh.run_model("intermediate/int_path_cutoff", cutoff=T0)
    assert wh.scalar("queries/path_cutoff") == T0
    with pytest.raises(WarehouseError, match="int_events was read"):  # read without a cut-off
        wh.run_model("intermediate/int_path_cutoff", cutoff=None)
