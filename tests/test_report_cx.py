"""The report's "Effort and handoffs" and "Touchpoints that matter" sections and the index line
(report/cx.py, report/sections.py): their data twins on hand-made frames, and the pages written
from the hand-written effort fixtures after build and compare."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from journeys.build import build_warehouse
from journeys.compare.conformance import compare_maps
from journeys.config import EffortSettings, Settings, TouchpointRule
from journeys.ingest.load import load_source
from journeys.report import cxsections
from journeys.report.cx import (
    CxInputs,
    best_return,
    cx_headline,
    handoff_table_data,
    touchpoint_chart_data,
    worst_handoff,
)
from journeys.report.pages import write_reports
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "effort"
HOSTILE = '<script>alert(1)</script> & "Q"'
MAP_YAML = """\
name: service
goal: Ticket resolved
stages:
  - name: Ask
    steps: [Ticket opened, Contact]
  - name: Solve
    steps:
      - name: Ticket transferred
        optional: true
      - Ticket resolved
"""


def _handoffs(*rows: tuple) -> pl.DataFrame:
    names = ["from_team", "to_team", "handoffs", "missed", "late", "repeated", "reopened"]
    names += ["bounced", "median_wait_seconds", "sla_seconds"]
    return pl.DataFrame(rows, schema=names, orient="row")


def _impact(*rows: tuple) -> pl.DataFrame:
    names = ["touchpoint", "rank", "designed", "removal_effect", "attributed_outcomes"]
    names += ["cost", "return_on_cost"]
    return pl.DataFrame(rows, schema=names, orient="row")


def test_the_worst_handoff_is_the_most_missed_then_the_larger_share():
    handoffs = _handoffs(
        ("A", "B", 100, 10, 10, 0, 0, 0, 60.0, 3600),
        ("B", "C", 20, 10, 0, 10, 0, 0, 60.0, None),
        ("C", "A", 500, 0, 0, 0, 0, 0, 60.0, None),
    )
    table = handoff_table_data(handoffs)
    assert table["pair"].to_list() == ["A → B", "B → C", "C → A"]
    assert worst_handoff(handoffs)["pair"] == "B → C"  # 10 missed of 20 beats 10 of 100
    assert worst_handoff(handoffs.filter(pl.col("missed") == 0)) is None


def test_the_best_return_and_why_there_is_none():
    impact = _impact(
        ("Call", 2, False, 0.2, 5.0, 4.5, 3.0),
        ("Chat", 3, False, 0.1, 2.0, 1.5, 8.0),
        ("Visit", 1, True, 0.9, 20.0, None, None),
        ("Goal", None, True, None, None, None, None),
    )
    assert best_return(impact)["touchpoint"] == "Chat"
    chart = touchpoint_chart_data(impact, top=2)
    assert chart["touchpoint"].to_list() == ["Visit", "Call"]
    unpriced = impact.with_columns(return_on_cost=pl.lit(None, pl.Float64))
    headline = cx_headline(CxInputs(effort=None, handoffs=None, touchpoints=unpriced))
    assert (headline.best_return, headline.top_touchpoint["touchpoint"]) == (None, "Visit")
    assert headline.no_return == "its goal carries no money"  # costs, but no value
    free = unpriced.with_columns(cost=pl.lit(None, pl.Float64))
    assert cx_headline(CxInputs(None, None, free)).no_return == "no costs given"


def test_the_sections_escape_what_the_data_says():
    summary = {"journeys": 3, "teams_per_journey": 2.0, "contacts": 4, "repeat_contacts": 1,
               "journeys_with_contact": 2, "journeys_with_repeat": 1}  # fmt: skip
    handoffs = _handoffs((HOSTILE, "B", 2, 1, 1, 0, 0, 0, 90.0, 60))
    html = cxsections.effort(CxInputs(summary, handoffs, None)).html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    impact = _impact((HOSTILE, 1, False, 0.5, 1.0, None, None)).with_columns(
        stage=pl.lit("S"), journeys_with=pl.lit(3), outcome_rate_with=pl.lit(0.5),
        outcome_rate_without=pl.lit(0.25), ci_low=pl.lit(-0.2), ci_high=pl.lit(0.7),
        total_cost=pl.lit(None, pl.Float64),
    )  # fmt: skip
    html = cxsections.touchpoints(CxInputs(None, None, impact), currency="EUR").html
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_the_touchpoint_table_keeps_the_priced_ones_below_its_top_rows():
    """Fifteen rows by rank, then every touchpoint with a cost (the lead names the best return,
    so the table shows it), then a note for the rest."""
    rows = [(f"T{i:02}", i, True, 1 / (i + 1), 1.0, None, None) for i in range(1, 19)]
    rows[16] = ("Chat", 17, False, 0.01, 0.1, 1.5, 8.0)  # rank 17, priced
    impact = _impact(*rows).with_columns(
        stage=pl.lit("S"), journeys_with=pl.lit(3), outcome_rate_with=pl.lit(0.5),
        outcome_rate_without=pl.lit(0.25), ci_low=pl.lit(-0.2), ci_high=pl.lit(0.7),
        total_cost=pl.col("cost") * 10,
    )  # fmt: skip
    html = cxsections.touchpoints(CxInputs(None, None, impact), currency="EUR").html
    table = html.split('id="touchpoint-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 16  # the header, the top 15 and Chat
    assert "Chat <span" in table and "T16" not in table and "€15" in table
    assert "Best return on its cost: <b>Chat</b>, 8.0 in value per unit spent." in html
    assert "2 more in marts.touchpoint_impact." in html


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The effort fixtures built and compared against a small service map, with costs."""
    folder = tmp_path_factory.mktemp("cx")
    map_file = folder / "service.yaml"
    map_file.write_text(MAP_YAML, encoding="utf-8")
    names = {
        "ticket_opened": "Ticket opened",
        "contact": "Contact",
        "ticket_transferred": "Ticket transferred",
        "ticket_resolved": "Ticket resolved",
        "ticket_reopened": "Ticket reopened",
    }
    settings = Settings(
        touchpoints=tuple(
            TouchpointRule(source="support", event_type=k, touchpoint=n) for k, n in names.items()
        ),
        effort=EffortSettings(),
        touchpoint_costs={"Contact": 3.0},
        maps=(map_file,),
        min_support=1,
    )
    with Warehouse() as wh:
        for source, name in (("customers", "customers.csv"), ("support", "tickets.csv")):
            load_source(wh, settings, source, [FIXTURES / name])
        build_warehouse(wh, settings)
        compare_maps(wh, settings, [map_file])
        write_reports(wh, settings, folder / "reports", built_at=datetime(2026, 4, 1, tzinfo=UTC))
    return folder / "reports"


def test_the_map_page_names_the_worst_handoff(reports: Path):
    page = (reports / "service.html").read_text(encoding="utf-8")
    assert '<section id="effort"><h2>Effort and handoffs</h2>' in page
    # Ana's ticket: Tier 1 -> Logistics followed by a repeat contact; Logistics -> Tier 1 late
    assert "The worst handoff: <b>Logistics → Tier 1</b>, 1 of 1 missed (100%)" in page
    assert 'id="handoff-table"' in page and "Tier 1 → Logistics" in page


def test_the_map_page_ranks_the_touchpoints(reports: Path):
    page = (reports / "service.html").read_text(encoding="utf-8")
    assert '<section id="touchpoints"><h2>Touchpoints that matter</h2>' in page
    assert 'id="touchpoint-chart-wide"' in page and 'id="touchpoint-chart-narrow"' in page
    assert 'id="touchpoint-table"' in page
    assert "carries the most of the goal" in page


def test_the_index_names_each_maps_worst_handoff(reports: Path):
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert '<section id="effort-index">' in index
    row = index.split('id="effort-index-table"')[1].split("</tr>")[1]
    assert 'href="service.html#effort"' in row and "Logistics → Tier 1" in row


@pytest.mark.parametrize(("teams", "said"), [(1.5, "journeys.</p>"), (0.0, "--team-col")])
def test_a_map_without_handoffs_says_there_are_none_not_that_none_was_missed(teams, said):
    summary = {"journeys": 4, "teams_per_journey": teams, "contacts": 0, "journeys_with_repeat": 0}
    handoffs = pl.DataFrame(
        schema={
            "from_team": pl.String,
            "to_team": pl.String,
            "handoffs": pl.Int64,
            "missed": pl.Int64,
            "late": pl.Int64,
            "repeated": pl.Int64,
            "reopened": pl.Int64,
            "bounced": pl.Int64,
            "median_wait_seconds": pl.Float64,
            "sla_seconds": pl.Int64,
        }  # fmt: skip
    )
    shown = cxsections.effort(CxInputs(effort=summary, handoffs=handoffs, touchpoints=None)).html
    assert "No handoff between teams in this map's journeys" in shown and said in shown
    assert "was missed" not in shown and 'id="handoff-table"' not in shown
