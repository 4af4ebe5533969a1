"""Every number a map page draws in a band, a node or a table row equals a documented query of
sql/queries/report/ run on the marts (docs/reports.md says which query draws what): on the
sample shop's two maps and on the real help-desk log brought in with import-log."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from journeys.compare.maps import JourneyMap
from journeys.report.cx import map_handoffs
from journeys.report.stages import stage_index
from journeys.report.text import format_seconds, html_text
from journeys.report.units import format_impact
from journeys.report.words import outcome_name
from journeys.warehouse import SQL_DIR, Warehouse
from report_fixtures import Report, helpdesk_report, sample_report

DOC = Path(__file__).resolve().parents[1] / "docs" / "reports.md"
PAGES = [
    pytest.param((sample_report, "online-purchase"), id="sample-online-purchase"),
    pytest.param((sample_report, "support-resolution"), id="sample-support-resolution"),
    pytest.param((helpdesk_report, "helpdesk-ticket"), id="helpdesk"),
]


def figures(html: str) -> dict[str, tuple[list, dict]]:
    """div id -> (data, layout) of every plotly figure of a page."""
    decoder = json.JSONDecoder()
    found = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        data, end = decoder.raw_decode(html, match.end())
        layout, _ = decoder.raw_decode(html, re.compile(r",\s*").match(html, end).end())
        found[match.group(1)] = (data, layout)
    return found


def count(text: str) -> int:
    return int(text.replace(",", ""))


def query(wh: Warehouse, name: str, **params) -> pl.DataFrame:
    return wh.query(f"queries/report/{name}", **params)


@pytest.fixture(params=PAGES)
def page(request) -> tuple[Report, JourneyMap, str, Warehouse]:
    build, name = request.param
    report = build()
    journey_map = next(m for m in report.maps if m.name == name)
    with Warehouse(report.warehouse, read_only=True) as wh:
        yield report, journey_map, report.page(name).read_text(encoding="utf-8"), wh


def test_sankey_bands_and_nodes_are_the_sankey_query(page):
    _, m, html, wh = page
    depth = int(re.search(r'data-covered="[^"]+" data-depth="(\d+)"', html).group(1))
    narrow_depth = int(re.search(r'<span data-depth="(\d+)">', html).group(1))
    figs = figures(html)
    checked = 0
    for div, at in (("sankey-wide", depth), ("sankey-narrow", narrow_depth)):
        for trace in figs[div][0]:
            name = trace.get("name", "")
            segment = name.removeprefix("Segment: ") if name.startswith("Segment: ") else None
            period = name.removeprefix("Started ") if name.startswith("Started ") else None
            bands = query(wh, "sankey_links", map_name=m.name, depth=at, coverage=0.8,
                          segment=segment, period=period)  # fmt: skip
            link, node = trace["link"], trace["node"]
            assert Counter(link["value"]) == Counter(bands["journeys"].to_list()), (div, name)
            for i, data in enumerate(node["customdata"]):
                into = sum(v for t, v in zip(link["target"], link["value"], strict=True) if t == i)
                out = sum(v for s, v in zip(link["source"], link["value"], strict=True) if s == i)
                assert count(data[1]) == max(into, out), (div, name, data[0])
            checked += 1
    assert checked >= 2


def test_process_map_nodes_and_edges_are_the_process_queries(page):
    _, m, html, wh = page
    nodes = query(wh, "process_nodes", map_name=m.name)
    edges = query(wh, "process_edges", map_name=m.name)
    journeys = dict(zip(nodes["touchpoint"], nodes["journeys"], strict=True))
    repeats = dict(zip(nodes["touchpoint"], nodes["repeats"], strict=True))
    pairs = {(a, b): n for a, b, n, _ in edges.rows()}
    for div in ("process-map-wide", "process-map-narrow"):
        drawn_nodes = drawn_edges = 0
        for trace in figures(html)[div][0]:
            if trace.get("mode") == "markers+text":
                for hover in trace["hovertext"]:
                    name = re.match(r"<b>(.*?)</b><br>([\d,]+) journeys?\b", hover)
                    label = name.group(1).replace("&amp;", "&").replace("&lt;", "<")
                    assert count(name.group(2)) == journeys.get(label, 0), label
                    loop = re.search(r"repeated ([\d,]+) times", hover)
                    assert (count(loop.group(1)) if loop else 0) == repeats.get(label, 0)
                    drawn_nodes += 1
            elif isinstance(trace.get("hovertext"), str):
                hover = trace["hovertext"]
                if found := re.match(r"([\d,]+) journeys? starts? at (.*?) \(", hover):
                    key = (None, found.group(2))
                elif found := re.match(r"([\d,]+) journeys? ends? at (.*?) \(", hover):
                    key = (found.group(2), None)
                else:
                    found = re.match(r"(.*?) → (.*?)<br><b>([\d,]+)</b>", hover)
                    key = (found.group(1), found.group(2))
                    assert count(found.group(3)) == pairs.get(key, 0), key
                    drawn_edges += 1
                    continue
                assert count(found.group(1)) == pairs[key], key
                drawn_edges += 1
        assert drawn_nodes >= len(m.steps) and drawn_edges >= edges.height


def _cells(table: str) -> list[dict[str, str]]:
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
        cells = dict(re.findall(r'<td[^>]*data-label="([^"]+)">(.*?)</td>', row, flags=re.S))
        if cells:
            rows.append(cells)
    return rows


def test_fix_first_rows_are_the_gap_query(page):
    report, m, html, wh = page
    gaps = query(wh, "map_gaps", map_name=m.name).filter(pl.col("rank").is_not_null())
    costs = gaps.filter(pl.col("effect") == "harms").sort(
        ["impact", "journeys", "gap_id"], descending=[False, True, False]
    )
    start = html.index('id="fix-table"')
    rows = _cells(html[start : html.index("</table>", start)])
    assert len(rows) == min(costs.height, 15)
    for row, gap in zip(rows, costs.iter_rows(named=True), strict=False):
        assert count(re.match(r"([\d,]+)<br>", row["Journeys"]).group(1)) == gap["journeys"]
        shown = re.search(r'class="cost[^"]*">([^<]+)<', row["Cost"]).group(1)
        assert shown == format_impact(
            gap["impact"], gap["impact_unit"], currency=report.settings.currency
        )


def test_stage_funnel_and_sla_delays_are_their_queries(page):
    _, m, html, wh = page
    stages = query(wh, "stage_funnel", map_name=m.name, steps=list(m.step_names),
                   stage_index=stage_index(m.stages, [s.stage for s in m.steps]))  # fmt: skip
    shown = re.findall(r'data-stage="([^"]+)".*?<b>([\d,]+)</b> journeys?', html, flags=re.S)
    assert [(s, count(n)) for s, n in shown] == list(
        zip(m.stages, stages["reached"].to_list(), strict=True)
    )
    assert (stages["share"] <= 1.0).all() and (stages["moved_on"].fill_null(0) <= stages[
        "came_from_previous"].fill_null(0)).all()  # fmt: skip
    delays = query(wh, "sla_delays", map_name=m.name, steps=list(m.step_names),
                   within=[s.within_seconds for s in m.steps])  # fmt: skip
    steps = query(wh, "map_steps", map_name=m.name)
    joined = delays.join(steps, on="step")
    assert joined.height == sum(s.within_seconds is not None for s in m.steps) > 0
    assert joined["breaches"].to_list() == joined["sla_breaches"].to_list()  # compare's counts
    bins = joined.select(pl.sum_horizontal("up_to_1_5x", "up_to_2x", "up_to_4x", "over_4x"))
    assert bins.to_series().to_list() == joined["breaches"].to_list()


def test_the_cards_are_the_summary_query(page):
    _, m, html, wh = page
    summary = query(wh, "map_summary", map_name=m.name).row(0, named=True)
    cards = re.findall(r'<div class="label">(.*?)</div><div class="value[^"]*">(.*?)</div>', html)
    values = dict(cards)
    assert count(values["Journeys in this map's scope"]) == summary["journeys"]
    share = round(100 * summary["conforming"] / summary["journeys"])
    assert values["Follow the map exactly"] == f"{share}%"


def test_docs_name_every_query_the_report_runs():
    doc = DOC.read_text(encoding="utf-8")
    for path in sorted((SQL_DIR / "queries" / "report").glob("*.sql")):
        assert f"`{path.name}`" in doc, path.name


def test_each_fix_first_row_draws_its_gaps_history(page):
    """The trend line under a gap's journeys is gap_trends.sql: the share of each period's
    journeys with the gap, first and last said in its label."""
    _, m, html, wh = page
    trends = query(wh, "gap_trends", map_name=m.name)
    gaps = query(wh, "map_gaps", map_name=m.name).filter(pl.col("effect") == "harms")
    costs = gaps.filter(pl.col("rank").is_not_null()).sort(
        ["impact", "journeys", "gap_id"], descending=[False, True, False]
    )
    start = html.index('id="fix-table"')
    rows = _cells(html[start : html.index("</table>", start)])
    drawn = 0
    for row, gap in zip(rows, costs.iter_rows(named=True), strict=False):
        mine = trends.filter(pl.col("gap_id") == gap["gap_id"]).sort("period")
        label = re.search(r'<svg class="trend"[^>]*aria-label="([^"]+)"', row["Journeys"])
        if mine.height < 2:
            assert label is None
            continue
        drawn += 1
        first, last = mine.row(0, named=True), mine.row(-1, named=True)
        assert label.group(1).startswith(
            f"Share of journeys with this gap per {first['grain']} in {first['timezone']}: "
            f"{first['share']:.1%} "
        )
        assert f"to {last['share']:.1%} " in label.group(1)
        still = 0
        for is_open in reversed(mine["open"].to_list()):
            if not is_open:
                break
            still += 1
        told = f"{mine.height} {first['grain']}s"
        told += f"; the last {still} still open (journeys in flight)" if still else ""
        assert label.group(1).endswith(told)
        assert ('class="open"' in row["Journeys"]) == bool(still)
    assert drawn or trends.is_empty()


def test_effort_and_touchpoint_figures_are_their_queries(page):
    report, m, html, wh = page
    sla = report.settings.effort.handoff_sla_seconds
    handoffs = map_handoffs(wh, m, handoff_sla_seconds=sla)
    start = html.index('id="effort"')
    cards = {
        label: sub
        for label, sub in re.findall(
            r'<div class="label">([^<]*)</div><div class="value[^"]*">[^<]*</div>'
            r'<div class="sub">([^<]*)</div>',
            html[start : html.index("</section>", start)],
        )
    }
    missed, total = (count(n) for n in re.match(r"([\d,]+) of ([\d,]+)",
                                                  cards["Handoffs missed"]).groups())  # fmt: skip
    assert (missed, total) == (handoffs["missed"].sum(), handoffs["handoffs"].sum())
    effort = query(wh, "map_effort", map_name=m.name).row(0, named=True)
    contacts = effort["contacts"]
    assert cards["Repeat contacts"] == (
        f"of {contacts:,} contacts" if contacts else "no event here is a contact"
    )
    assert ("Journeys with a repeat contact" in cards) == bool(contacts)
    assert ("Then a repeat contact" in html) == bool(contacts)  # the sample's support desk
    assert total > 1000 or m.name != "helpdesk-ticket"  # the help-desk log: its agents
    if handoffs.height:
        table = html[html.index('id="handoff-table"') :]
        rows = _cells(table[: table.index("</table>")])
        assert [count(r["Handoffs"]) for r in rows] == handoffs.sort(
            ["missed", "handoffs"], descending=True, maintain_order=True
        )["handoffs"].head(15).to_list()
    impact = query(wh, "touchpoint_impact", map_name=m.name)
    ranked = impact.filter(pl.col("rank").is_not_null()).head(12)
    for div in ("touchpoint-chart-wide", "touchpoint-chart-narrow"):
        (bars,), _ = figures(html)[div]
        assert bars["x"][::-1] == pytest.approx(ranked["removal_effect"].to_list())


def test_time_to_the_outcome_is_counted_from_the_events(page):
    """The card's median and 90th percentile, counted here with polars from marts.events: per
    finished journey of the map's scope that reached the outcome, its first event to its first
    outcome step. On the help-desk log that is the CSV's own figure: 4,559 tickets closed, a
    median of 39d 17h, 90% within 53d."""
    report, m, html, wh = page
    reached = wh.read_table("marts.map_journeys").filter(
        (pl.col("map_name") == m.name)
        & pl.col("reached_outcome")
        & (pl.col("status") != "in_flight")
    )
    events = wh.read_table("marts.events").filter(
        pl.col("journey_id").is_in(reached["journey_id"].implode())
    )
    taken = events.group_by("journey_id").agg(
        (
            pl.col("occurred_at").filter(pl.col("touchpoint").is_in(list(m.outcomes))).min()
            - pl.col("occurred_at").min()
        )
        .dt.total_seconds()
        .alias("seconds")
    )["seconds"]
    assert taken.len() == reached.height > 0
    label = f"Time to {html_text(outcome_name(m.goal, m.exit))}"
    start = html.index(label)
    card = html[start : html.index("</div></div>", start)]
    assert f">{format_seconds(taken.median())}<" in card
    assert f"90% within {format_seconds(taken.quantile(0.9, interpolation='linear'))}" in card
    if m.name == "helpdesk-ticket":
        assert (taken.len(), format_seconds(taken.median())) == (4559, "39d 17h")
    index = report.index.read_text(encoding="utf-8")
    table = index[index.index('id="map-table"') :]
    rows = [r for r in _cells(table[: table.index("</table>")]) if f">{m.name}<" in r["Map"]]
    assert [r["Time to the goal"] for r in rows] == [format_seconds(taken.median())]


def test_each_example_is_titled_with_the_row_it_exemplifies(page):
    """The folded example journeys read "Journey 1 · ck_…: 11 events over 3d 14h": which row
    each stood for was only said inside, once unfolded."""
    _, _, html, _ = page
    start = html.index('id="fix-table"')
    rows = _cells(html[start : html.index("</table>", start)])
    assert rows
    seen: set[str] = set()
    for row in rows:
        anchor = re.search(r'href="#(example-\d+)"', row["Example"])
        if anchor is None or anchor[1] in seen:
            continue  # a journey that stands for two rows is titled with the first
        seen.add(anchor[1])
        what = row["What happens"].split("<br>")[0]
        summary = re.search(rf'<details id="{anchor[1]}"[^>]*><summary>(.*?)</summary>', html)
        number = anchor[1].removeprefix("example-")
        assert summary is not None and summary[1].startswith(f"Journey {number}: {what} <small>")
