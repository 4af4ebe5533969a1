"""Mining marts (touchpoints, transitions, variants), their polars twins, selections and
label tidying, loops, common sub-paths and drop-offs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from builders import int_events_after
from journeys.config import JourneySettings, Settings
from journeys.errors import BuildError
from journeys.mining import (
    LabelRule,
    Selection,
    build_mining,
    common_subpaths,
    filter_selection,
    find_dropoffs,
    find_loops,
    group_rare_touchpoints,
    journeys_from_events,
    load_selection,
    relabel,
    touchpoint_stats,
    transition_stats,
    variant_stats,
)
from journeys.paths import build_paths
from journeys.paths.effort import build_effort
from journeys.warehouse import Warehouse

T0 = datetime(2024, 5, 1, tzinfo=UTC)
# three journeys: a and b share a path; c repeats Help (a loop) and switches channel
JOURNEYS = {
    "a": [("Visit", 0, "web"), ("Cart", 60, "web"), ("Pay", 180, "web")],
    "b": [("Visit", 0, "web"), ("Cart", 120, "web"), ("Pay", 240, "web")],
    "c": [("Visit", 0, "web"), ("Help", 10, "phone"), ("Help", 20, "phone"), ("Cart", 30, "web")],
}


def _int_events(journeys: dict[str, list[tuple[str, int, str]]] = JOURNEYS) -> pl.DataFrame:
    return int_events_after(
        T0,
        *[
            (customer, seconds, touchpoint, {"channel": channel})
            for customer, steps in journeys.items()
            for touchpoint, seconds, channel in steps
        ],
    )


@pytest.fixture
def built(wh: Warehouse) -> Warehouse:
    wh.write_table("intermediate.int_events", _int_events())
    settings = Settings(journeys=JourneySettings(end_touchpoints=("Pay",)))
    build_paths(wh, settings, full=True)
    result = build_mining(wh, settings)
    assert "2 variants" in result.summary()
    return wh


def test_transitions_count_pairs_journeys_and_median_seconds(built: Warehouse):
    transitions = built.read_table("marts.transitions")
    rows = {
        (r["from_touchpoint"], r["to_touchpoint"]): r for r in transitions.iter_rows(named=True)
    }
    assert set(rows) == {
        ("Visit", "Cart"),
        ("Cart", "Pay"),
        ("Visit", "Help"),
        ("Help", "Help"),
        ("Help", "Cart"),
    }
    visit_cart = rows[("Visit", "Cart")]
    assert (visit_cart["transitions"], visit_cart["journeys"], visit_cart["customers"]) == (2, 2, 2)
    assert visit_cart["median_seconds"] == 90.0
    assert visit_cart["p90_seconds"] == pytest.approx(114.0)
    assert transitions["transitions"].sum() == 2 + 2 + 3  # steps minus one per journey


def test_a_customer_counts_once_per_touchpoint_and_pair_across_journeys_and_variants(
    wh: Warehouse,
):
    day = 86_400
    paths = {  # two journeys each, 20 days apart (beyond the 14-day horizon)
        "c1": (["Visit", "Cart"], ["Visit", "Cart", "Pay"]),  # two variants share Visit -> Cart
        "c2": (["Visit", "Cart"], ["Visit", "Cart"]),  # one variant, twice
        "c3": (["Visit", "Help"], ["Help", "Cart"]),
    }
    rows = [
        (customer, j * 20 * day + k * 60, touchpoint)
        for customer, journeys in paths.items()
        for j, path in enumerate(journeys)
        for k, touchpoint in enumerate(path)
    ]
    wh.write_table("intermediate.int_events", int_events_after(T0, *rows, first_seq=1))
    build_paths(wh, Settings(), full=True)
    build_mining(wh, Settings())
    got = {
        (r["from_touchpoint"], r["to_touchpoint"]): (
            r["transitions"],
            r["journeys"],
            r["customers"],
        )
        for r in wh.read_table("marts.transitions").iter_rows(named=True)
    }
    assert got == {
        ("Visit", "Cart"): (4, 4, 2),
        ("Cart", "Pay"): (1, 1, 1),
        ("Visit", "Help"): (1, 1, 1),
        ("Help", "Cart"): (1, 1, 1),
    }
    touchpoints = wh.read_table("marts.touchpoints")
    assert dict(zip(touchpoints["touchpoint"], touchpoints["customers"], strict=True)) == {
        "Visit": 3,
        "Cart": 3,
        "Pay": 1,
        "Help": 1,  # c3 has it in both variants
    }
    # both marts read their customers from one model: touchpoints as [t], pairs as [from, to]
    subpaths = wh.read_table("intermediate.int_subpath_counts")
    got_subpaths = {tuple(r["subpath"]): r["customers"] for r in subpaths.iter_rows(named=True)}
    assert got_subpaths == {
        **{(t,): n for t, n in (("Visit", 3), ("Cart", 3), ("Pay", 1), ("Help", 1))},
        **{pair: customers for pair, (_, _, customers) in got.items()},
    }


def test_touchpoints_count_events_journeys_starts_and_ends(built: Warehouse):
    touchpoints = built.read_table("marts.touchpoints")
    rows = {r["touchpoint"]: r for r in touchpoints.iter_rows(named=True)}
    assert (rows["Help"]["events"], rows["Help"]["journeys"]) == (2, 1)
    assert (rows["Visit"]["starts"], rows["Visit"]["ends"]) == (3, 0)
    assert (rows["Cart"]["ends"], rows["Pay"]["ends"]) == (1, 2)


def test_variants_rank_shares_and_deterministic_ties(built: Warehouse):
    variants = built.read_table("marts.variants", order_by=["rank"])
    assert variants["journeys"].to_list() == [2, 1]
    assert variants["path"].to_list() == [
        ["Visit", "Cart", "Pay"],
        ["Visit", "Help", "Help", "Cart"],
    ]
    assert variants["share"].to_list() == pytest.approx([2 / 3, 1 / 3])
    assert variants["cumulative_share"].to_list() == pytest.approx([2 / 3, 1.0])
    assert variants["median_duration_seconds"].to_list() == [210.0, 30.0]
    # equal counts: the shorter path first, then the alphabetical path
    tied = variant_stats(
        pl.DataFrame({"path": [["B", "A"], ["A", "B"], ["C"]], "duration_seconds": [1.0, 2.0, 3.0]})
    )
    assert tied["path"].to_list() == [["C"], ["A", "B"], ["B", "A"]]


def test_polars_twins_equal_the_sql_marts(built: Warehouse):
    events = built.read_table("marts.events")
    journeys = built.read_table("marts.journeys")
    twins = {
        "marts.touchpoints": touchpoint_stats(events),
        "marts.transitions": transition_stats(events),
        "marts.variants": variant_stats(journeys),
    }
    for table, twin in twins.items():
        assert_frame_equal(built.read_table(table), twin, check_exact=False, rel_tol=1e-12)
    rebuilt = journeys_from_events(events).sort("journey_id")
    same = ["journey_id", "customer_key", "started_at", "ended_at", "n_steps", "path", "variant_id"]
    assert_frame_equal(rebuilt.select(same), journeys.sort("journey_id").select(same))


def test_selection_filters_by_status_channel_and_date(built: Warehouse):
    everything = load_selection(built)
    assert everything.n_journeys == 3
    phone = load_selection(built, channels=["phone"])
    assert phone.journeys["customer_key"].to_list() == ["c"]
    assert phone.events["journey_id"].unique().to_list() == ["c-j1"]
    completed = filter_selection(everything, statuses=["completed"])
    assert sorted(completed.journeys["customer_key"]) == ["a", "b"]
    assert filter_selection(everything, since=T0 + timedelta(seconds=1)).n_journeys == 0
    assert filter_selection(everything, until=T0 + timedelta(seconds=1)).n_journeys == 3


def test_relabel_and_rare_grouping_rebuild_the_paths(built: Warehouse):
    selection = load_selection(built)
    tidy = relabel(
        selection, [LabelRule(r"^(Cart|Pay)$", "Checkout"), LabelRule("Help", "Support")]
    )
    paths = dict(zip(tidy.journeys["customer_key"], tidy.journeys["path"].to_list(), strict=True))
    assert paths["a"] == ["Visit", "Checkout", "Checkout"]
    assert paths["c"] == ["Visit", "Support", "Support", "Checkout"]
    assert tidy.journeys["status"].to_list() == selection.journeys["status"].to_list()
    grouped = group_rare_touchpoints(selection, min_journeys=2)
    grouped_paths = grouped.journeys.sort("customer_key")["path"].to_list()
    assert grouped_paths[2] == ["Visit", "other", "other", "Cart"]
    assert variant_stats(grouped.journeys)["journeys"].to_list() == [2, 1]
    with pytest.raises(BuildError, match="not a regex"):
        LabelRule("(", "x")
    with pytest.raises(BuildError, match="no threshold"):
        group_rare_touchpoints(selection)


def _journeys(*paths: list[str], statuses: list[str] | None = None) -> pl.DataFrame:
    frame = pl.DataFrame({"journey_id": [f"j{i}" for i in range(len(paths))], "path": list(paths)})
    return frame.with_columns(status=pl.Series(statuses)) if statuses else frame


def test_loops_count_journeys_with_repeats_and_self_loops():
    loops = find_loops(_journeys(["A", "B", "A", "C"], ["A", "A"], ["B"]))
    rows = {r["touchpoint"]: r for r in loops.iter_rows(named=True)}
    assert (
        rows["A"]["journeys"],
        rows["A"]["journeys_with_repeat"],
        rows["A"]["extra_visits"],
    ) == (2, 2, 2)
    assert (rows["A"]["self_loops"], rows["A"]["share_repeated"]) == (1, 1.0)
    assert (rows["B"]["journeys_with_repeat"], rows["C"]["journeys"]) == (0, 1)
    assert loops["touchpoint"][0] == "A"


def test_common_subpaths_support_counts_journeys_not_occurrences():
    grams = common_subpaths(_journeys(["A", "B", "A", "B"], ["A", "B", "C"], ["C"]), max_length=3)
    rows = {r["label"]: r for r in grams.iter_rows(named=True)}
    assert (rows["A > B"]["journeys"], rows["A > B"]["occurrences"]) == (2, 3)
    assert rows["A > B"]["support"] == pytest.approx(2 / 3)
    assert rows["A > B > C"]["length"] == 3
    assert "B > C > C" not in rows  # sub-paths never cross journeys
    assert grams["label"][0] == "A > B"
    assert common_subpaths(_journeys(["A", "B"]), min_journeys=2).is_empty()
    with pytest.raises(BuildError, match="not a range"):
        common_subpaths(_journeys(["A"]), min_length=3, max_length=2)


def test_dropoffs_count_journeys_ending_without_a_goal_and_skip_in_flight():
    journeys = _journeys(
        ["Visit", "Cart"],
        ["Visit", "Cart"],
        ["Visit", "Cart", "Pay"],
        ["Visit"],
        ["Visit", "Cart"],
        statuses=["abandoned", "completed", "completed", "abandoned", "in_flight"],
    )
    drops = find_dropoffs(journeys, goals=["Pay"])
    rows = {r["touchpoint"]: r for r in drops.iter_rows(named=True)}
    assert (rows["Cart"]["dropoffs"], rows["Cart"]["journeys"]) == (2, 3)
    assert rows["Cart"]["dropoff_rate"] == pytest.approx(2 / 3)
    assert (rows["Visit"]["dropoffs"], rows["Visit"]["share_of_dropoffs"]) == (
        1,
        pytest.approx(1 / 3),
    )
    assert "Pay" not in rows
    with pytest.raises(BuildError, match="no goal"):
        find_dropoffs(journeys, goals=[])


def test_selection_is_frozen():
    selection = Selection(_journeys(["A"]), pl.DataFrame())
    with pytest.raises(AttributeError):
        selection.journeys = pl.DataFrame()  # type: ignore[misc]


@pytest.mark.slow
def test_sample_shop_patterns_match_the_ground_truth_and_late_drop_builds_incrementally(tmp_path):
    import json

    from conftest import SAMPLE
    from journeys.build import build_events, build_warehouse
    from journeys.config import load_settings
    from journeys.ingest.load import load_source
    from journeys.mining import compare_segments, find_bottlenecks

    settings = load_settings(SAMPLE / "journeys.yaml")
    main_drop = {
        "customers": "customers.csv",
        "transactions": "transactions.csv",
        "web": "web_events.jsonl",
        "support": "support_interactions.csv",
    }
    late_drop = {
        "transactions": "late/transactions.csv",
        "support": "late/support_interactions.csv",
    }

    def load(wh: Warehouse, drop: dict[str, str]) -> None:
        for source, name in drop.items():
            load_source(wh, settings, source, [SAMPLE / name])

    with Warehouse(tmp_path / "daily.duckdb") as wh:
        load(wh, main_drop)
        assert build_warehouse(wh, settings).full_rebuild
        load(wh, late_drop)
        late = build_warehouse(wh, settings)  # build_paths(full=False), effort, mining
        assert not late.full_rebuild and 0 < late.rebuilt_customers < 100
        daily = {
            t: wh.read_table(f"marts.{t}") for t in ("events", "journeys", "sessions", "customers")
        }
        selection = load_selection(wh)
        transitions = wh.read_table("marts.transitions")
    with Warehouse(tmp_path / "full.duckdb") as wh:
        load(wh, main_drop)
        load(wh, late_drop)
        build_events(wh, settings)
        build_paths(wh, settings, full=True)
        build_effort(wh, settings, full=True)  # the effort columns of marts.journeys
        for table, frame in daily.items():
            order = {
                "events": "seq",
                "journeys": "journey_id",
                "sessions": "session_id",
                "customers": "customer_key",
            }[table]
            full = wh.read_table(f"marts.{table}").sort(order)
            assert_frame_equal(frame.sort(order), full)

    truth = json.loads((SAMPLE / "ground_truth.json").read_text())["behaviours"]
    grams = common_subpaths(selection.journeys, max_length=2)
    called = grams.filter(pl.col("label") == "Payment failed > Phone support")["journeys"].item()
    assert called == len(truth["phone_before_payment"]["orders"])
    loops = find_loops(selection.journeys).filter(pl.col("touchpoint") == "Ticket transferred")
    assert loops["journeys_with_repeat"].item() >= len(truth["delivery_bounce"]["tickets"])
    segments = compare_segments(selection, "consumer", "business")
    phone = segments.filter((pl.col("kind") == "touchpoint") & (pl.col("item") == "Phone support"))
    assert phone["flagged"].item() and phone["difference"].item() > 0.2
    assert find_bottlenecks(transitions, min_transitions=30).height > 0
