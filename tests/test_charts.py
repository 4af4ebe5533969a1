"""Pure chart data (report/charts.py, filters.py, overview.py, text.py): frames in, frames out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import Journey, journey_marts, map_gaps_frame
from journeys.compare.maps import parse_map
from journeys.errors import ReportError
from journeys.report.charts import funnel_data, gap_table_data, sankey_data, step_times
from journeys.report.filters import JourneyView, filter_journeys, view_data
from journeys.report.overview import headline_data, quality_data
from journeys.report.text import (
    format_seconds,
    html_text,
    plotly_text,
    redact_text,
    slugify,
)

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
STEPS = pl.DataFrame({"step": ["A", "B", "C", "Q"]})
EDGES = pl.DataFrame({"from_step": ["A", "B", "B"], "to_step": ["B", "C", "B"]})


def journeys(*paths: list[str], status: str = "completed", **extra: list) -> pl.DataFrame:
    """journey_id, path, status (and the ``extra`` columns) of one journey per path."""
    rows = [Journey(id=f"j{i}", path=path, status=status) for i, path in enumerate(paths)]
    frame = journey_marts(rows)[0].select("journey_id", "path", "status")
    return frame.with_columns(**{name: pl.Series(values) for name, values in extra.items()})


def events_of(frame: pl.DataFrame, *, minutes: int = 10) -> pl.DataFrame:
    """Events one ``minutes`` apart, in path order."""
    rows = [
        Journey(
            id=r["journey_id"], path=r["path"], start=T0, seconds=[60 * minutes] * len(r["path"])
        )
        for r in frame.iter_rows(named=True)
    ]
    return journey_marts(rows)[1]


def sankey(frame: pl.DataFrame, **options):
    options.setdefault("top_k", 10)
    return sankey_data(frame, designed_steps=STEPS, designed_edges=EDGES, **options)


def assert_reconciles(data) -> None:
    nodes = data.nodes
    steps = nodes.filter(pl.col("kind") == "step")
    assert (steps["inflow"] == steps["outflow"] + steps["dropoff"]).all()
    start = nodes.filter(pl.col("kind") == "start")
    assert start["outflow"].to_list() == ([data.total_journeys] if data.total_journeys else [])
    terminal = nodes.filter(pl.col("kind").is_in(["end", "other"]))
    assert int(terminal["inflow"].sum()) == data.total_journeys
    assert (terminal["outflow"] == 0).all()
    links = data.links
    for row in nodes.iter_rows(named=True):
        into = links.filter(pl.col("target") == row["node"])["journeys"].sum()
        out = links.filter(pl.col("source") == row["node"])["journeys"].sum()
        assert into == row["inflow"] and out == row["outflow"] + row["dropoff"]


def test_sankey_flows_reconcile_at_every_node():
    frame = journeys(["A", "B", "C"], ["A", "B", "C"], ["A", "B"], ["A", "X", "C"], ["Z", "C"])
    frame = frame.with_columns(
        status=pl.Series(["completed", "completed", "abandoned", "in_flight", "abandoned"])
    )
    data = sankey(frame, top_k=2)
    assert_reconciles(data)
    labels = data.nodes["label"].to_list()
    assert labels[:2] == ["Start", "1 · A"] and "2 · B" in labels
    assert {"End: completed", "End: abandoned", "Other paths"} <= set(labels)
    node = data.nodes.filter(pl.col("label") == "2 · B").row(0, named=True)
    assert (node["inflow"], node["outflow"], node["dropoff"]) == (3, 2, 1)


paths_strategy = st.lists(
    st.lists(st.sampled_from(["A", "B", "C", "X"]), min_size=1, max_size=5), min_size=1, max_size=25
)


@settings(max_examples=40, deadline=None)
@given(paths=paths_strategy, top_k=st.integers(1, 6), statuses=st.randoms(use_true_random=False))
def test_sankey_reconciles_and_top_k_plus_other_is_total_for_any_journeys(paths, top_k, statuses):
    frame = journeys(*paths).with_columns(
        status=pl.Series([statuses.choice(["completed", "abandoned", "in_flight"]) for _ in paths])
    )
    data = sankey(frame, top_k=top_k)
    assert_reconciles(data)
    in_scope = [p for p in paths if set(p) - {"X"}]  # a journey must touch a map step
    assert data.total_journeys == len(in_scope)
    assert int(data.paths["journeys"].sum()) + data.other_journeys == data.total_journeys
    other = data.nodes.filter(pl.col("kind") == "other")["inflow"].sum()
    ends = data.nodes.filter(pl.col("kind") == "end")["inflow"].sum()
    assert other == data.other_journeys and ends == int(data.paths["journeys"].sum())
    assert data.paths.height == min(top_k, len({tuple(p) for p in in_scope}))


def test_top_k_paths_plus_other_equal_total_journeys():
    frame = journeys(*([["A", "B"]] * 5 + [["A", "C"]] * 3 + [["B"]] * 2 + [["C", "A"]]))
    data = sankey(frame, top_k=2)
    assert data.paths["path"].to_list() == [["A", "B"], ["A", "C"]]
    assert data.paths["journeys"].to_list() == [5, 3]
    assert data.other_journeys == 3 and data.total_journeys == 11
    assert data.paths["share"].to_list() == pytest.approx([5 / 11, 3 / 11])


def test_overlay_marks_exactly_the_designed_transitions():
    frame = journeys(["A", "B", "C"], ["A", "C"], ["A", "B", "B"], ["B", "A"], ["A", "X", "C"])
    links = sankey(frame).links
    steps = links.filter(pl.col("kind").is_in(["designed", "off_map"]))
    designed = set(zip(EDGES["from_step"], EDGES["to_step"], strict=True))
    for row in steps.iter_rows(named=True):
        pair = (row["from_touchpoint"], row["to_touchpoint"])
        assert (row["kind"] == "designed") == (pair in designed)
    marked = {
        (r["from_touchpoint"], r["to_touchpoint"])
        for r in steps.filter(pl.col("kind") == "designed").iter_rows(named=True)
    }
    assert marked == {("A", "B"), ("B", "C"), ("B", "B")}
    assert set(links.filter(pl.col("from_touchpoint").is_null())["kind"]) == {"entry"}


def test_nodes_know_designed_steps_and_unreached_steps_are_listed():
    data = sankey(journeys(["A", "X"]))
    designed = dict(zip(data.nodes["touchpoint"], data.nodes["is_designed"], strict=True))
    assert designed["A"] is True and designed["X"] is False
    assert data.unreached == ("B", "C", "Q")


def test_only_journeys_touching_a_map_step_are_in_scope():
    data = sankey(journeys(["X", "Y"], ["X", "A"], ["Y"]))
    assert data.total_journeys == 1 and data.paths["path"].to_list() == [["X", "A"]]


def test_ignored_touchpoints_are_dropped_before_drawing():
    frame = journeys(["A", "N", "B"], ["N"], ["A", "B"])
    times = step_times(events_of(frame), ignored=["N"])
    data = sankey(frame, ignored=["N"], step_seconds=times)
    assert data.total_journeys == 2
    assert "N" not in data.nodes["touchpoint"].to_list()
    assert data.paths["path"].to_list() == [["A", "B"]]
    link = data.links.filter(pl.col("kind") == "designed").row(0, named=True)
    # A -> B with N ignored: 20 minutes in the first journey, 10 in the last
    assert link["journeys"] == 2 and link["median_seconds"] == pytest.approx(900.0)


def test_the_maps_ignore_globs_name_the_touchpoints_to_drop():
    journey_map = parse_map(
        {
            "name": "m",
            "ignore": ["Newsletter *", "N[*]"],
            "stages": [{"name": "S", "steps": ["A"]}],
        },
        source="m.yaml",
    )
    frame = journeys(["A", "Newsletter opened", "B"], ["Newsletter clicked"], ["A", "N*"])
    ignored = journey_map.ignored(frame["path"].explode())
    assert ignored == ("N*", "Newsletter clicked", "Newsletter opened")
    data = sankey(frame, ignored=ignored)
    assert data.total_journeys == 2
    assert data.paths["path"].to_list() == [["A"], ["A", "B"]]  # ties: path order


def test_links_have_median_seconds_and_share():
    frame = journeys(["A", "B"], ["A", "B"], ["A"])
    data = sankey(frame, step_seconds=step_times(events_of(frame, minutes=30)))
    ab = data.links.filter(pl.col("kind") == "designed").row(0, named=True)
    assert ab["median_seconds"] == 1800.0 and ab["share"] == pytest.approx(2 / 3)
    assert data.links.filter(pl.col("kind") == "exit")["median_seconds"].null_count() == 2


def test_sankey_without_status_or_journeys_still_reconciles():
    frame = journeys(["A"]).drop("status")
    data = sankey(frame)
    assert data.nodes.filter(pl.col("kind") == "end")["label"].to_list() == ["End"]
    empty = sankey(journeys(["A"]).clear())
    assert (
        empty.total_journeys == 0
        and empty.links.height == 0
        and empty.unreached == ("A", "B", "C", "Q")
    )


def test_sankey_names_a_missing_column():
    with pytest.raises(ReportError, match="marts.journeys: column 'path' is missing"):
        sankey(pl.DataFrame({"journey_id": ["j1"]}))
    with pytest.raises(ReportError, match="top_k"):
        sankey(journeys(["A"]), top_k=0)


def test_views_offer_segments_and_periods_and_filter_exactly():
    starts = [T0, T0, T0 + timedelta(days=40), T0 + timedelta(days=70)]
    frame = journeys(
        ["A"], ["A"], ["B"], ["C"], segment=["SMB", None, "SMB", "Retail"], started_at=starts
    )
    views = view_data(frame)
    labels = [v.label for v in views]
    assert labels == [
        "All journeys", "Segment: SMB", "Segment: (no segment)", "Segment: Retail",
        "Started 2024-03", "Started 2024-04", "Started 2024-05",
    ]  # fmt: skip
    for view in views:
        assert filter_journeys(frame, view).height == view.journeys
    no_segment = JourneyView("Segment: (no segment)", "segment", "(no segment)", 1)
    assert filter_journeys(frame, no_segment)["journey_id"].to_list() == ["j1"]


def test_views_coarsen_periods_when_there_are_many_months():
    starts = [T0 + timedelta(days=31 * i) for i in range(30)]
    frame = journeys(*[["A"]] * 30, started_at=starts)
    periods = [v.value for v in view_data(frame, max_periods=12) if v.kind == "period"]
    assert periods[0].startswith("2024-Q") and len(periods) <= 12


def test_funnel_follows_the_map_order_and_shows_unreached_steps():
    steps = pl.DataFrame(
        {
            "step": ["B", "A"],
            "journeys_reached": [5, 10],
            "conversion_from_previous": [0.5, None],
            "median_seconds_from_previous": [60.0, None],
            "sla_breaches": [1, 0],
        }
    )
    funnel = funnel_data(steps, designed_steps=STEPS)
    assert funnel["step"].to_list() == ["A", "B", "C", "Q"]
    assert funnel["journeys_reached"].to_list() == [10, 5, 0, 0]
    assert funnel["share_of_entry"].to_list() == [1.0, 0.5, 0.0, 0.0]


def gaps_frame(**overrides) -> pl.DataFrame:
    base = {
        "map_name": ["m", "m"],
        "rank": [2, 1],
        "gap_type": ["skipped_step", "unexpected_transition"],
        "from_step": ["B", "A"],
        "to_step": [None, "X"],
        "journeys": [5, 9],
        "customers": [5, 8],
        "share": [0.1, 0.2],
        "value_at_risk": [10.0, 99.5],
        "outcome_rate_with": [0.2, 0.5],
        "outcome_rate_without": [0.6, 0.4],
        "ci_low": [-0.6, -0.1],
        "ci_high": [-0.2, 0.3],
        "example_journey_ids": [["j1"], ["j2", "j3", "j4", "j5"]],
    }
    return map_gaps_frame(**{**base, **overrides})


def test_gap_table_is_ranked_readable_with_impact_and_examples():
    table = gap_table_data(gaps_frame())
    assert table["rank"].to_list() == [1, 2]
    assert table["gap"].to_list() == ["Off-map transition", "Skipped step"]
    assert table["where"].to_list() == ["A → X", "B"] == table["what"].to_list()
    assert table["examples"].to_list() == [["j2", "j3", "j4"], ["j1"]]
    assert table["impact"].to_list() == pytest.approx([0.1, -0.4])
    assert {"ci_low", "ci_high", "value_at_risk", "customers"} <= set(table.columns)


def test_gap_table_uses_compare_descriptions_and_puts_unranked_gaps_last():
    frame = gaps_frame(
        rank=[None, 1],
        touchpoint=["Z", None],
        gap_type=["unexpected_step", "dropoff"],
        description=[None, "abandoned after 'A'"],
    )
    table = gap_table_data(frame)
    assert table["ranked"].to_list() == [True, False]
    assert table["what"].to_list() == ["abandoned after 'A'", "Z"]
    headline = headline_data(journeys=3, conformance=None, gaps=frame.reverse())
    assert headline.top_gap == "Drop-off: abandoned after 'A'"
    unranked = headline_data(
        journeys=3, conformance=None, gaps=frame.filter(pl.col("rank").is_null())
    )
    assert unranked.top_gap is None


def test_gap_table_lists_deviations_then_dropoffs_and_folds_same_behaviour():
    frame = map_gaps_frame(
        **{
            "map_name": ["m"] * 4,
            "ranking": ["dropoffs", "deviations", "deviations", "deviations"],
            "rank": [1, 1, None, 2],
            "same_behaviour_as": [None, None, 1, None],
            "gap_type": ["dropoff", "skipped_step", "skipped_step", "loop"],
            "from_step": ["B", None, None, None],
            "to_step": [None, "C", "D", "A"],
            "description": ["abandoned after 'B'", "'C' skipped", "'D' skipped", "'A' repeated"],
            "journeys": [50, 9, 9, 4],
            "customers": [50, 9, 9, 4],
            "share": [0.5, 0.09, 0.09, 0.04],
            "value_at_risk": [0.0] * 4,
            "outcome_rate_with": [0.0, 0.9, 0.9, 0.2],
            "outcome_rate_without": [0.8, 0.5, 0.5, 0.6],
            "ci_low": [-0.9, 0.1, 0.1, -0.7],
            "ci_high": [-0.7, 0.6, 0.6, -0.1],
            "example_journey_ids": [["j1"], ["j2"], ["j2"], ["j3"]],
        }
    )
    table = gap_table_data(frame)
    assert table.select("ranking", "rank", "what").rows() == [
        ("deviations", 1, "'C' skipped"),
        ("deviations", 2, "'A' repeated"),
        ("deviations", None, "'D' skipped"),
        ("dropoffs", 1, "abandoned after 'B'"),
    ]
    assert table["also"].to_list() == [["'D' skipped"], None, None, None]
    # the headline's top gap is the top deviation, not the bigger drop-off
    assert (
        headline_data(journeys=99, conformance=None, gaps=frame).top_gap
        == "Skipped step: 'C' skipped"
    )


def test_headline_uses_conformance_and_the_top_gap():
    conformance = pl.DataFrame(
        {"journey_id": ["a", "b", "c", "d"], "is_conforming": [True, False, True, True]}
    )
    headline = headline_data(journeys=99, conformance=conformance, gaps=gaps_frame())
    assert headline.journeys == 4 and headline.conforming_share == 0.75
    assert headline.top_gap == "Off-map transition: A → X" and headline.value_at_risk == 99.5
    bare = headline_data(journeys=7, conformance=None, gaps=None)
    assert (bare.journeys, bare.conforming_share, bare.top_gap) == (7, None, None)


def test_quality_sums_per_source():
    quality = pl.DataFrame(
        {
            "batch_id": ["b1", "b2", "b1"],
            "source": ["web", "web", "support"],
            "file": ["w1.jsonl", "w2.jsonl", "s.csv"],
            "rows_read": [10, 30, 0],
            "rows_accepted": [9, 27, 0],
            "rows_rejected": [1, 3, 0],
            "duplicates": [0, 1, 0],
            "late_events": [0, 2, 0],
            "unstitched": [1, 1, 0],
        }
    )
    totals = quality_data(quality)
    web = totals.filter(pl.col("source") == "web").row(0, named=True)
    assert (web["batches"], web["rows_read"], web["rows_rejected"], web["reject_rate"]) == (
        2,
        40,
        4,
        0.1,
    )
    assert totals.filter(pl.col("source") == "support")["reject_rate"].to_list() == [None]


def test_text_is_redacted_and_escaped():
    hostile = '<script>alert(1)</script> & "Q" <b>x</b>'
    assert (
        html_text(hostile)
        == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot; &lt;b&gt;x&lt;/b&gt;"
    )
    assert (
        plotly_text(hostile)
        == '&lt;script&gt;alert(1)&lt;/script&gt; &amp; "Q" &lt;b&gt;x&lt;/b&gt;'
    )
    assert (
        redact_text("call jane.doe+x@mail.example.com or +44 20 7946 0958")
        == "call [email] or [phone]"
    )
    assert redact_text("(020) 7946-0958") == "([phone]"
    for safe in ("ck_0123456789abcdef", "j_1234567890", "Order 12345", "2024-03-01"):
        assert redact_text(safe) == safe


def test_formats_and_slugs():
    assert [format_seconds(s) for s in (45, 7500, 93600, None)] == ["45s", "2h 5m", "1d 2h", "–"]
    taken: set[str] = set()
    assert slugify("Online purchase!", taken=taken) == "online-purchase"
    assert slugify("online  PURCHASE", taken=taken) == "online-purchase-2"
    assert slugify("<script>", taken=taken) == "script" and slugify("Index") == "index-map"
    assert slugify("&&&") == "map"
