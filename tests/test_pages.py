"""The written reports (report/pages.py): what each page holds, escaping, privacy, offline and
small, text from the map and the data, and the errors a stale warehouse gets."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from builders import Journey, write_journey_marts
from journeys.compare.maps import parse_map
from journeys.config import Settings
from journeys.errors import ReportError
from journeys.report.pages import PLOTLY_FILE, write_reports
from report_fixtures import (
    BUILT,
    EMAIL,
    PHONE,
    helpdesk_report,
    hostile_report,
    sample_report,
)

MAX_PAGE = 500_000


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_report(tmp_path_factory.mktemp("hostile"))


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_each_folder_has_an_index_a_page_per_map_and_plotly_once():
    report = sample_report()
    names = sorted(p.name for p in report.index.parent.iterdir())
    assert names == ["index.html", "online-purchase.html", PLOTLY_FILE, "support-resolution.html"]
    assert (report.index.parent / PLOTLY_FILE).stat().st_size > 1_000_000
    index = text_of(report.index)
    assert '<a href="online-purchase.html">online-purchase</a>' in index
    assert "<script" not in index
    for name in ("online-purchase", "support-resolution"):
        page = text_of(report.page(name))
        assert len(page.encode()) < MAX_PAGE, name
        assert re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page) == [PLOTLY_FILE]
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
        # process map, Sankey and the touchpoints that matter, each wide and narrow
        assert page.count("Plotly.newPlot") == 6


def test_a_map_page_answers_what_to_fix_first():
    page = text_of(sample_report().page("online-purchase"))
    sections = re.findall(r'<section id="([a-z-]+)"', page)
    assert sections == [
        "fix-first",
        "process-map",
        "funnel",
        "effort",
        "touchpoints",
        "paths",
        "examples",
    ]
    assert page.index('class="card fix"') < page.index('id="fix-first"')
    fix = page[page.index('id="fix-table"') : page.index("</table>", page.index('id="fix-table"'))]
    numbers = re.findall(r'data-label="#">(\d+)</td>', fix)
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)] and len(numbers) >= 5
    assert re.search(r"−€[\d,]+</span>", fix)  # the configured currency, whole euros
    assert "Drop-off" in fix and "Rework" in fix  # drop-offs in the same list, with their kind


def test_goals_are_whole_numbers_when_journeys_carry_no_value():
    page = text_of(helpdesk_report().page("helpdesk-ticket"))
    start = page.index('id="fix-table"')
    fix = page[start : page.index("</table>", start)]
    costs = re.findall(r'class="cost neg">([^<]+)<', fix)
    assert costs and all(re.fullmatch(r"−[\d,]+ goals?", c) for c in costs)


def test_the_funnel_groups_alternatives_and_never_exceeds_the_journeys():
    page = text_of(sample_report().page("support-resolution"))
    stages = re.findall(r'data-stage="([^"]+)".*?<b>([\d,]+)</b> journeys, (\d+)%', page)
    assert [s for s, _, _ in stages] == ["Ask", "Answer", "Resolve"]
    assert all(int(p) <= 100 for _, _, p in stages)
    answer = page[page.index('data-stage="Answer"') : page.index('data-stage="Resolve"')]
    assert all(step in answer for step in ("Email support", "Chat support", "Phone support"))


def test_text_comes_from_the_map_and_the_data():
    support = text_of(sample_report().page("support-resolution"))
    assert "the map does (<i>Ticket opened</i>)" in support
    helpdesk = text_of(helpdesk_report().page("helpdesk-ticket"))
    for word in ("Visit site", "Order delivered", "€", "EUR"):
        assert word not in helpdesk, word
    assert "Reach &#x27;Closed&#x27;" in helpdesk or "Reach 'Closed'" in helpdesk


def test_hostile_labels_are_escaped_everywhere(hostile):
    page = text_of(hostile.page("online-purchase"))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot;" in page  # HTML text
    # plotly labels carry the plotly-escaped text (and plotly writes "<" as \u003c, "/" as \/)
    assert '&lt;script&gt;alert(1)&lt;\\u002fscript&gt; &amp; \\"Q\\"' in page
    assert page.count("<script") == page.count("</script>")


def test_no_email_or_phone_appears_in_any_page(hostile):
    for page in hostile.index.parent.glob("*.html"):
        text = text_of(page)
        assert EMAIL not in text and PHONE not in text and "jane.doe" not in text
    page = text_of(hostile.page("online-purchase"))
    assert "Call from [email]" in page and "Call [phone]" in page


def test_ignored_touchpoints_stay_out_of_the_maps_charts(hostile):
    page = text_of(hostile.page("online-purchase"))
    charts = "".join(re.findall(r"Plotly\.newPlot\((.*?)\);", page, flags=re.S))
    assert "Newsletter" not in charts and "Visit site" in charts
    assert "Left out: 1 other journey, touching none of this map" in page


def test_one_of_a_thing_is_written_in_the_singular(hostile):
    """A small first log read "1 journeys, 50%" in its funnel and "of 1 finished journeys"."""
    plural_one = re.compile(
        r"(?<![\d.,])1 (?:other |finished )?(journeys|customers|handoffs|contacts)\b"
    )
    for page in hostile.index.parent.glob("*.html"):
        found = plural_one.findall(text_of(page))
        assert not found, (page.name, found)


def test_a_map_compare_has_not_seen_says_so(tmp_path):
    report = sample_report()
    other = parse_map(
        {"name": "returns", "stages": [{"name": "S", "steps": ["Return", "Refund"]}]},
        source="returns.yaml",
    )
    from journeys.warehouse import Warehouse

    with Warehouse(report.warehouse, read_only=True) as wh:
        write_reports(wh, Settings(), tmp_path, maps=[other], built_at=BUILT)
    page = text_of(tmp_path / "returns.html")
    assert "Not compared yet" in page and "Run <code>journeys compare</code>" in page
    assert "Plotly.newPlot" not in page


def test_no_maps_gives_an_index_that_says_how_to_add_them(tmp_path):
    from journeys.warehouse import Warehouse

    with Warehouse(sample_report().warehouse, read_only=True) as wh:
        index = write_reports(wh, Settings(), tmp_path, maps=[], built_at=BUILT)
    assert "No maps configured" in text_of(index)
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_missing_journeys_mart_names_the_fix(wh, tmp_path):
    with pytest.raises(ReportError, match=r"marts.journeys not found; run `journeys build` first"):
        write_reports(wh, Settings(), tmp_path, maps=[])


def test_a_stale_warehouse_is_told_to_rebuild(wh, tmp_path):
    write_journey_marts(wh, [Journey("j1", ["A", "B"])])
    wh.write_table("marts.map_gaps", pl.DataFrame({"map_name": ["m"], "rank": [1]}))
    with pytest.raises(ReportError, match="marts.map_journeys not found beside marts.map_gaps"):
        write_reports(wh, Settings(), tmp_path, maps=[])
    wh.write_table("marts.map_journeys", pl.DataFrame({"map_name": ["m"], "journey_id": ["j1"]}))
    wh.write_table("marts.map_steps", pl.DataFrame({"map_name": ["m"], "step": ["A"]}))
    with pytest.raises(
        ReportError, match="rebuild with `journeys build --full` and `journeys compare`"
    ):
        write_reports(wh, Settings(), tmp_path, maps=[])


def test_an_order_number_is_shown_as_the_journey_id_an_email_never(tmp_path, capsys):
    """Case ids as a purchase-to-pay export writes them (PO-4500000008, 4500000011): the report
    redacted them as phone numbers, so every example journey read ``PO-[phone]`` and none could
    be looked up in marts.events. import-log decides what is a contact (it hashes those case
    ids, here the email); the report shows the journey id the marts hold."""
    from journeys.cli import main

    log = tmp_path / "p2p.csv"
    rows = ["case,activity,at"]
    paid = [f"PO-45000000{k:02d}" for k in range(30)] + ["4500000111", "jane.doe@example.com"]
    for case in paid:
        for i, step in enumerate(["Create Order", "Approve Order", "Pay Invoice"]):
            rows.append(f"{case},{step},2026-03-0{i + 1} 10:00")
    for k in range(25):  # stopped after approval: the ranked drop-off, its example one of these
        rows += [f"PO-45000001{k:02d},Create Order,2026-03-01 10:00"]
        rows += [f"PO-45000001{k:02d},Approve Order,2026-03-02 10:00"]
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    warehouse = str(tmp_path / "wh" / "journeys.duckdb")
    main(["--warehouse", warehouse, "analyze", str(log), "--case-col", "case",
          "--activity-col", "activity", "--timestamp-col", "at",
          "--map-out", str(tmp_path / "p2p.yaml")])  # fmt: skip
    main(["--warehouse", warehouse, "report", "--out", str(tmp_path / "reports")])
    capsys.readouterr()
    page = text_of(tmp_path / "reports" / "p2p.html")
    examples = page[page.index('id="examples"') :]
    assert re.search(r"<code>PO-45000001\d\d</code>", examples)  # an order that stopped
    # one file loaded: "The 1 most recent load batches" read the index
    assert "<summary>The load batch</summary>" in text_of(tmp_path / "reports" / "index.html")
    assert "[phone]" not in examples and "jane.doe" not in page and "example.com" not in page
