"""The fix-first list (report/fixfirst.py): ranked gaps ordered by what they cost, helpful ones
apart, drop-offs with their kind of loss, plain words from the map, who is affected, one
example each; and the amounts (report/units.py)."""

from __future__ import annotations

import polars as pl

from builders import map_gaps_frame
from journeys.report.fixfirst import DELAY, fix_first_data, who
from journeys.report.fixtable import fix_first
from journeys.report.text import counted, prose_html
from journeys.report.units import (
    format_amount,
    format_goals,
    format_impact,
    format_points,
    format_share,
)
from journeys.report.words import goal_effect, outcome_name, what_happens

SEGMENTS_SCHEMA = {
    "gap_id": pl.Int64,
    "segment": pl.String,
    "journeys": pl.Int64,
    "share": pl.Float64,
    "share_of_scope": pl.Float64,
}
DELAYS_SCHEMA = DELAY.to_schema()  # the report's sla-delay rows, as fix_first_data reads them


def gaps() -> pl.DataFrame:
    return map_gaps_frame(
        map_name=["m"] * 7,
        ranking=["deviations", "deviations", "deviations", "dropoffs", "deviations",
                 "deviations", "deviations"],
        rank=[1, 2, 3, 1, None, 4, None],
        same_behaviour_as=[None, None, None, None, 1, None, None],
        gap_type=["loop", "skipped_step", "sla_breach", "dropoff", "unexpected_transition",
                  "unexpected_step", "unexpected_step"],
        from_step=[None, None, None, "Browse", "Browse", "Cart", "Cart"],
        to_step=["Visit", "Cart", "Paid", None, "Visit", "Paid", None],
        touchpoint=[None, None, None, None, None, "Call", "Fax"],
        detail=[None, None, "1h", None, None, "'Paid' 60%, the end 40%", None],
        description=["'Visit' repeated", "'Cart' skipped", "late", "abandoned after 'Browse'",
                     "'Browse' → 'Visit' is not designed", "call", "fax"],
        journeys=[40, 30, 25, 60, 38, 22, 3],
        customers=[39, 30, 25, 58, 37, 22, 3],
        share=[0.2, 0.15, 0.125, 0.3, 0.19, 0.11, 0.015],
        effect=["harms", "helps", "harms", "harms", "harms", "no clear effect", "harms"],
        impact=[-500.0, 800.0, -100.0, -2000.0, -480.0, 20.0, -5.0],
        impact_unit=["value"] * 7,
        outcome_rate_with=[0.2, 0.9, 0.5, 0.0, 0.2, 0.6, 0.0],
        outcome_rate_without=[0.7, 0.5, 0.6, 0.7, 0.7, 0.62, 0.5],
        ci_low=[-0.6, 0.3, -0.2, -0.8, -0.6, -0.1, -0.9],
        ci_high=[-0.4, 0.5, -0.01, -0.6, -0.4, 0.08, -0.1],
        example_journey_ids=[["j1", "j2"], ["j3"], ["j1", "j4"], ["j5"], ["j1"], ["j6"], ["j7"]],
    )  # fmt: skip


def fixes():
    segments = pl.DataFrame(
        {
            "gap_id": [0, 0, 3],
            "segment": ["business", "consumer", "(no segment)"],
            "journeys": [30, 10, 60],
            "share": [0.75, 0.25, 1.0],
            "share_of_scope": [0.3, 0.6, 0.1],
        },
        schema=SEGMENTS_SCHEMA,
    )
    delays = pl.DataFrame(
        [("Paid", 3600, 25, 9000.0, 20000.0, 5, 5, 10, 5)], schema=DELAYS_SCHEMA, orient="row"
    )
    return fix_first_data(gaps(), segments=segments, delays=delays, goal="Paid", exits=["Paid"])


def test_costs_come_first_by_what_they_cost_with_drop_offs_among_them():
    found = fixes()
    costs = found.costs
    assert costs["order"].to_list() == [1, 2, 3]  # one list, one number 1
    assert costs["gap_type"].to_list() == ["dropoff", "loop", "sla_breach"]
    assert costs["kind_label"].to_list() == ["Drop-off", "Rework", "Delay"]
    assert found.helps["gap_type"].to_list() == ["skipped_step"]
    assert found.unclear["gap_type"].to_list() == ["unexpected_step"]
    assert found.unit == "value"
    # the unranked gap that re-describes the loop is folded into its row, the other is left out
    assert costs.filter(pl.col("gap_type") == "loop")["also"].to_list() == [
        ["'Browse' → 'Visit' is not designed"]
    ]
    assert "fax" not in str(pl.concat([costs, found.helps, found.unclear]).to_dicts())


def test_rows_speak_plainly_with_the_maps_names():
    costs = fixes().costs.to_dicts()
    assert costs[0]["what"] == "Customers stop after 'Browse' and never reach 'Paid'."
    assert costs[1]["what"] == "Customers go through 'Visit' again."
    assert (
        costs[2]["what"] == "'Paid' comes later than the 1h the map allows after the previous step."
    )
    assert costs[1]["effect_text"] == (
        "20% of them reach 'Paid', against 70% of comparable journeys."
    )
    unclear = fixes().unclear.to_dicts()[0]
    assert unclear["what"] == (
        "After 'Cart', customers go to 'Call', which is not on the map; then 'Paid' 60%, the "
        "end 40%."
    )


def test_who_calls_out_an_over_represented_segment():
    costs = fixes().costs.to_dicts()
    assert costs[1]["who"] == "Mostly business: 75% of them (30% of all)"
    assert costs[0]["who"] == "Mostly customers without a segment: 100% of them (10% of all)"
    assert who([{"segment": "a", "share": 0.5, "share_of_scope": 0.5}]) == "All segments alike"
    assert who([{"segment": "(no segment)", "share": 1.0, "share_of_scope": 1.0}]) == ""


def test_each_row_links_its_own_example_and_late_steps_carry_their_delays():
    found = fixes()
    examples = [
        r["example"] for f in (found.costs, found.helps, found.unclear) for r in f.to_dicts()
    ]
    assert examples == ["j5", "j1", "j4", "j3", "j6"]  # j1 is the loop's, the delay gets j4
    assert found.examples == examples
    delay = found.costs.filter(pl.col("gap_type") == "sla_breach")["delay"].to_list()[0]
    assert delay["breaches"] == 25 and delay["over_4x"] == 5
    assert found.costs.filter(pl.col("gap_type") == "loop")["delay"].to_list() == [None]


def test_amounts_in_the_currency_or_in_whole_goals_and_points():
    assert format_amount(-39381.05, currency="EUR") == "−€39,381"
    assert format_amount(1234.4, currency="CHF", signed=True) == "+1,234 CHF"
    assert format_amount(-7.0, currency=None) == "−7"
    assert format_goals(-156.3) == "−156 goals" and format_goals(1.2, signed=True) == "+1 goal"
    assert format_impact(-500.0, "value", currency="GBP") == "−£500"
    assert format_impact(12.6, "outcomes", currency="EUR") == "+13 goals"
    assert format_points(-0.503) == "−50 pts" and format_points(0.004) == "0 pts"
    assert format_amount(None, currency="EUR") == "–"


def test_a_share_reads_0_or_100_percent_only_when_it_is_none_or_all():
    """4,559 of 4,580 journeys reaching the goal read "100%" on the help-desk log's page,
    beside a gap of the 21 that did not; as a share under 0.5% reads <1%, one short of all
    reads >99%."""
    shares = [0.0, 0.004, 0.005, 0.006, 0.214, 0.994, 4559 / 4580, 0.9999, 1.0, None]
    assert [format_share(v) for v in shares] == [
        "0%", "<1%", "<1%", "1%", "21%", "99%", ">99%", ">99%", "100%", "–",
    ]  # fmt: skip


def test_a_count_of_one_takes_the_singular():
    assert [counted(n, "journey") for n in (0, 1, 1.0, 2, 12345, None)] == [
        "0 journeys", "1 journey", "1 journey", "2 journeys", "12,345 journeys", "– journeys",
    ]  # fmt: skip
    assert counted(1, "finished journey") == "1 finished journey"


def test_a_description_sets_backticked_spans_as_code_and_stays_escaped():
    """suggest-map writes "by `journeys suggest-map --coverage 0.8`" into the description; the
    page showed the backticks. Inside a span the text is still escaped and redacted."""
    text = "by `journeys suggest-map`; `<script>alert(1)</script>` `a@b.example`, a lone ` tick"
    assert prose_html(text) == (
        "by <code>journeys suggest-map</code>; "
        "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code> <code>[email]</code>, a lone ` tick"
    )


def test_outcome_names_come_from_the_map():
    assert outcome_name("Closed", ["Closed"]) == "'Closed'"
    assert outcome_name(None, ["Delivered", "Cancelled"]) == "'Delivered' or 'Cancelled'"
    row = {"gap_type": "skipped_step", "ranking": "dropoffs", "to_step": "Closed"}
    assert what_happens(row, outcome="'Closed'") == "Journeys end without 'Closed'."
    # several exits, no goal: a journey that left reached none of them, not only the one its
    # alignment drew (pm4py's lending log read "Journeys end without 'Sign Loan Agreement'")
    drawn = {**row, "to_step": "Sign Loan Agreement"}
    assert what_happens(drawn, outcome="'Sign Loan Agreement' or 'Loan Denied'") == (
        "Journeys end without 'Sign Loan Agreement' or 'Loan Denied'."
    )
    assert goal_effect({"outcome_rate_with": None}, outcome="'Closed'") == ""


def test_a_late_goal_is_listed_apart_with_its_delays():
    """compare ranks the goal step's own SLA breaches apart (``late_outcomes``): no outcome rate
    can price them, so they are neither a cost nor 'no clear effect'."""
    gaps = map_gaps_frame(
        map_name=["m"],
        ranking=["late_outcomes"],
        rank=[1],
        gap_type=["sla_breach"],
        to_step=["Paid"],
        detail=["1h"],
        journeys=[25],
        customers=[25],
        share=[0.1],
        impact_unit=["value"],
        example_journey_ids=[["j9"]],
    )
    delays = pl.DataFrame(
        [("Paid", 3600, 25, 9000.0, 20000.0, 5, 5, 10, 5)], schema=DELAYS_SCHEMA, orient="row"
    )
    found = fix_first_data(
        gaps, segments=pl.DataFrame(schema=SEGMENTS_SCHEMA), delays=delays, goal="Paid",
        exits=["Paid"],
    )  # fmt: skip
    assert (found.costs.height, found.unclear.height) == (0, 0)
    late = found.late.to_dicts()[0]
    assert late["kind_label"] == "Delay" and late["effect_text"] == ""
    assert late["delay"]["breaches"] == 25 and late["example"] == "j9"


def test_the_legend_names_the_kinds_of_every_list_and_none_when_nothing_is_listed():
    """A map whose gaps were all too rare to rank read "Kind of loss: ." (an empty legend, over
    a page that showed only "No gap has a clear cost"); a page listing only a late goal named no
    kind although its table has a Kind column."""
    empty = fix_first_data(
        gaps().clear(), segments=pl.DataFrame(schema=SEGMENTS_SCHEMA),
        delays=pl.DataFrame(schema=DELAYS_SCHEMA), goal="Paid", exits=["Paid"],
    )  # fmt: skip
    shown = fix_first(empty, outcome="'Paid'", currency="EUR", anchors={}).html
    assert "No gap has a clear cost" in shown
    assert "Kind of loss" not in shown and ": ." not in shown
    assert "less often, the biggest cost first (in goals" in shown

    late_only = fix_first_data(
        map_gaps_frame(
            map_name=["m"], ranking=["late_outcomes"], rank=[1], gap_type=["sla_breach"],
            to_step=["Paid"], detail=["1h"], journeys=[25], customers=[25], share=[0.1],
            impact_unit=["value"], example_journey_ids=[["j9"]],
        ),
        segments=pl.DataFrame(schema=SEGMENTS_SCHEMA),
        delays=pl.DataFrame(
            [("Paid", 3600, 25, 9000.0, 20000.0, 5, 5, 10, 5)], schema=DELAYS_SCHEMA,
            orient="row",
        ),
        goal="Paid", exits=["Paid"],
    )  # fmt: skip
    assert (late_only.costs.height, late_only.late.height) == (0, 1)
    legend = fix_first(late_only, outcome="'Paid'", currency="EUR", anchors={}).html
    assert "<i>Kind of loss</i>: <b>Delay</b>, later than the map" in legend
    assert "<b>Rework</b>" not in legend


def test_no_who_column_when_the_data_has_no_segments():
    """An imported log has no CRM segments: every row's Who read "no segments in the data"."""
    unsegmented = fix_first_data(
        gaps(), segments=pl.DataFrame(schema=SEGMENTS_SCHEMA),
        delays=pl.DataFrame(schema=DELAYS_SCHEMA), goal="Paid", exits=["Paid"],
    )  # fmt: skip
    assert unsegmented.costs.height > 1
    shown = fix_first(unsegmented, outcome="'Paid'", currency="EUR", anchors={}).html
    assert "no segments in the data" not in shown and ">Who<" not in shown
    assert "<i>Who</i>" not in shown and "<i>Goal reached</i>" in shown
    segmented = fix_first(fixes(), outcome="'Paid'", currency="EUR", anchors={}).html
    assert ">Who<" in segmented and "<i>Who</i>" in segmented
