"""The written reports (report/pages.py): index, map pages, escaping, privacy, offline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml

from builders import Journey, map_gaps_frame, write_journey_marts
from journeys.compare.maps import JourneyMap, parse_map
from journeys.config import Settings
from journeys.errors import ReportError
from journeys.report.figures import export_static, sankey_figure
from journeys.report.pages import PLOTLY_FILE, write_reports

HOSTILE = '<script>alert(1)</script> & "Q"'
EMAIL, PHONE = "jane.doe@example.com", "+44 20 7946 0958"
BUILT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
STEPS = ["Visit site", "Add to cart", "Payment captured", "Order delivered"]
MAP_YAML = """\
name: online-purchase
description: How we believe a new customer buys online.
goal: Order delivered
ignore: [Newsletter *]
stages:
  - name: Buy
    steps:
      - name: Visit site
      - name: Add to cart
      - name: Payment captured
      - name: Order delivered
"""


def online_purchase(**changes: object) -> JourneyMap:
    return parse_map({**yaml.safe_load(MAP_YAML), **changes}, source="online_purchase.yaml")


def build_marts(wh, *, compare: bool = True) -> None:
    """Eight journeys, one through a hostile touchpoint, one naming an email; a phone segment."""
    paths = [
        ["Visit site", "Add to cart", "Payment captured", "Order delivered"],
        ["Visit site", "Add to cart", "Payment captured", "Order delivered"],
        ["Visit site", "Newsletter opened", "Add to cart", "Payment captured", "Order delivered"],
        ["Visit site", HOSTILE, "Add to cart", "Payment captured", "Order delivered"],
        ["Visit site", "Add to cart"],
        ["Visit site", f"Call from {EMAIL}", "Add to cart"],
        ["Visit site"],
        ["Newsletter opened"],
    ]
    status = ["completed"] * 4 + ["abandoned", "abandoned", "in_flight", "abandoned"]
    segments = ["Retail", "Retail", f"Call {PHONE}"] * 2 + ["Retail", None]
    ids = [f"j{i}" for i in range(len(paths))]
    write_journey_marts(
        wh,
        [
            Journey(
                id=ids[i],
                path=path,
                status=status[i],
                customer=f"ck_{i:016x}",
                value=10.0 if i < 4 else 0.0,
                segment=segments[i],
                start=T0 + timedelta(days=20 * i),
                seconds=[900] * len(path),
            )
            for i, path in enumerate(paths)
        ],
    )
    wh.write_table(
        "marts.data_quality",
        pl.DataFrame(
            {
                "batch_id": ["b1"],
                "source": ["web"],
                "file": [f"{EMAIL}.jsonl"],
                "rows_read": [100],
                "rows_accepted": [97],
                "rows_rejected": [3],
                "duplicates": [1],
                "late_events": [0],
                "unstitched": [2],
            }
        ),
    )
    if not compare:
        return
    wh.write_table(
        "marts.map_conformance",
        pl.DataFrame(
            {
                "map_name": "online-purchase",
                "journey_id": ids[:7],
                "cost": [0, 0, 0, 1, 2, 3, 3],
                "fitness": [1.0, 1.0, 1.0, 0.9, 0.6, 0.5, 0.4],
                "is_conforming": [True, True, True, False, False, False, False],
            }
        ),
    )
    wh.write_table(
        "marts.map_steps",
        pl.DataFrame(
            {
                "map_name": "online-purchase",
                "step": STEPS,
                "journeys_reached": [7, 5, 4, 4],
                "conversion_from_previous": [None, 5 / 7, 0.8, 1.0],
                "median_seconds_from_previous": [None, 900.0, 900.0, 900.0],
                "sla_breaches": [0, 0, 1, 0],
            }
        ),
    )
    wh.write_table(
        "marts.map_gaps",
        map_gaps_frame(
            **{
                "map_name": ["online-purchase", "online-purchase"],
                "rank": [1, 2],
                "gap_type": ["dropoff", "unexpected_step"],
                "from_step": ["Add to cart", HOSTILE],
                "to_step": [None, None],
                "journeys": [2, 1],
                "customers": [2, 1],
                "share": [2 / 7, 1 / 7],
                "value_at_risk": [20.0, 10.0],
                "outcome_rate_with": [0.0, 1.0],
                "outcome_rate_without": [0.8, 0.5],
                "ci_low": [-0.9, -0.2],
                "ci_high": [-0.4, 0.9],
                "example_journey_ids": [["j4", "j5"], ["j3"]],
            }
        ),
    )


def write(wh, out: Path, **options) -> Path:
    options.setdefault("maps", [online_purchase()])
    return write_reports(wh, Settings(), out, built_at=BUILT, **options)


def test_write_reports_writes_index_and_one_page_per_map(wh, tmp_path):
    build_marts(wh)
    index = write(wh, tmp_path / "reports")
    assert index == tmp_path / "reports" / "index.html"
    text = index.read_text(encoding="utf-8")
    assert '<a href="online-purchase.html">online-purchase</a>' in text
    assert "2024-03-01 09:15 UTC" in text and "2024-06-01 12:00 UTC" in text  # freshness
    assert "42.9%" in text and "Drop-off: Add to cart" in text  # conforming share, top gap
    assert re.search(r"<td>web</td>.*?>100<.*?>97<.*?>3<", text)  # data quality
    page = (tmp_path / "reports" / "online-purchase.html").read_text(encoding="utf-8")
    for part in ('id="sankey"', 'id="gap-table"', 'id="funnel-chart"', "How customers really move"):
        assert part in page
    assert "1 · Visit site" in page and "End: completed" in page
    assert not list((tmp_path / "reports").glob("*.tmp"))


def test_hostile_labels_are_escaped_everywhere(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out)
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot;" in page  # gap table cell
    # the figure JSON carries the plotly-escaped label (and plotly writes "<" as \\u003c)
    assert '&lt;script&gt;alert(1)&lt;\\u002fscript&gt; &amp; \\"Q\\"' in page
    assert page.count("<script") == page.count("</script>")


def test_no_email_or_phone_appears_in_any_page(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out)
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert EMAIL not in text and PHONE not in text and "jane.doe" not in text
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert "Call from [email]" in page and "Segment: Call [phone]" in page


def test_pages_are_offline_with_one_plotly_copy(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out)
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert page.count("Plotly=") <= 1 and len(page) < 6_000_000
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in index and len(index) < 50_000


def test_shared_plotly_is_written_once_and_referenced_relatively(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out, plotlyjs="shared")
    assert (out / PLOTLY_FILE).stat().st_size > 1_000_000
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert f'<script src="{PLOTLY_FILE}"></script>' in page and len(page) < 200_000
    with pytest.raises(ReportError, match="plotlyjs='cdn'"):
        write(wh, out, plotlyjs="cdn")


def test_map_page_has_segment_and_period_filters(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out)
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert '"updatemenus"' in page
    assert "Segment: Retail (5)" in page and "Segment: Call [phone] (2)" in page
    assert "Started 2024-03 (2)" in page


def test_ignored_touchpoints_are_out_of_the_observed_sankey(wh, tmp_path):
    build_marts(wh)
    out = tmp_path / "r"
    write(wh, out)
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert "· Newsletter opened" not in page
    assert "1 journey touches none of this map's steps" in page


def test_pages_explain_what_is_missing_before_compare(wh, tmp_path):
    build_marts(wh, compare=False)
    out = tmp_path / "r"
    write(wh, out)
    page = (out / "online-purchase.html").read_text(encoding="utf-8")
    assert page.count("run <code>journeys compare</code>") == 2
    assert 'id="sankey"' in page


def test_a_map_compare_has_not_seen_is_reported_as_not_compared(wh, tmp_path):
    build_marts(wh)
    renamed = online_purchase(name="renamed", description=None, goal=None, ignore=[])
    write(wh, tmp_path / "r", maps=[renamed])
    page = (tmp_path / "r" / "renamed.html").read_text(encoding="utf-8")
    assert page.count("run <code>journeys compare</code>") == 2


def test_no_maps_gives_an_index_that_says_how_to_add_them(wh, tmp_path):
    build_marts(wh)
    index = write(wh, tmp_path / "r", maps=[])
    assert "No maps configured" in index.read_text(encoding="utf-8")
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["index.html"]


def test_a_map_nobody_touches_gets_a_note_instead_of_an_empty_chart(wh, tmp_path):
    build_marts(wh, compare=False)
    steps = {"name": "S", "steps": ["Ticket opened", "Ticket resolved"]}
    other = parse_map({"name": "support", "stages": [steps]}, source="support.yaml")
    write(wh, tmp_path / "r", maps=[other])
    page = (tmp_path / "r" / "support.html").read_text(encoding="utf-8")
    assert "No journey in this map's scope yet" in page and 'id="sankey"' not in page


def test_missing_journeys_mart_names_the_fix(wh, tmp_path):
    with pytest.raises(ReportError, match=r"marts.journeys not found; run `journeys build` first"):
        write(wh, tmp_path / "r")


def test_settings_maps_are_loaded_from_yaml(wh, tmp_path):
    build_marts(wh)
    map_file = tmp_path / "online_purchase.yaml"
    map_file.write_text(MAP_YAML, encoding="utf-8")
    index = write_reports(wh, Settings(maps=(map_file,)), tmp_path / "r", built_at=BUILT)
    page = (index.parent / "online-purchase.html").read_text(encoding="utf-8")
    assert "designed transition" in page and "· Newsletter opened" not in page
    assert "Designed steps nobody reached" not in page


def test_export_static_says_what_is_missing(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "kaleido" else real(name, *a)
    )
    figure = sankey_figure([], title="empty", top_k=3)
    with pytest.raises(ReportError, match="optional kaleido package; install it"):
        export_static(figure, tmp_path / "sankey.png")
