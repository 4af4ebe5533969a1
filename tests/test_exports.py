"""A shop's own exports to a report (fixtures/exports, docs/exports.md): the CRM, Google Analytics
4's BigQuery export, Shopify's order export and Zendesk's ticket export, each as its tool writes
it, through the command line. One customer's visit, order and ticket are one journey."""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb
import pytest

from journeys.cli import main
from journeys.report.text import format_count

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG = FIXTURES / "exports" / "journeys.yaml"
FILES = {
    "customers": [FIXTURES / "exports" / "customers.csv"],
    "web": [FIXTURES / "ga4" / "events_20260301.jsonl", FIXTURES / "ga4" / "events_20260303.jsonl"],
    "transactions": [FIXTURES / "milestones" / "orders.csv"],
    "support": [FIXTURES / "milestones" / "tickets.csv",
                FIXTURES / "milestones" / "tickets_next_day.csv"],
}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, f"journeys {' '.join(argv)} exited {code}: {err}"
    return out


def test_a_shops_own_exports_make_one_journey_per_customer(tmp_path: Path, capsys):
    warehouse = tmp_path / "warehouse" / "journeys.duckdb"
    common = ("--warehouse", str(warehouse))
    for source, paths in FILES.items():
        run(capsys, *common, "ingest", "--config", str(CONFIG), source, *map(str, paths))
    out = run(capsys, *common, "build", "--config", str(CONFIG))
    assert "4 linked to the CRM" in out and "0 unmapped, 1 skipped by touchpoint rules" in out
    run(capsys, *common, "compare", "--config", str(CONFIG))
    reports = tmp_path / "reports"
    run(capsys, *common, "report", "--config", str(CONFIG), "--out", str(reports))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ann, carl = (
            con.sql(
                "SELECT e.touchpoint, e.source FROM marts.events AS e "
                "JOIN marts.customers AS c USING (customer_key) "
                f"WHERE c.created_at = DATE '{created}' ORDER BY e.occurred_at, e.seq"
            ).fetchall()
            for created in ("2025-11-02", "2026-01-15")  # the CRM's c-1001 (Ann), c-1002 (Carl)
        )
        reached = dict(
            con.sql(
                "SELECT step, journeys_reached FROM marts.map_steps WHERE map_name = 'purchase'"
            ).fetchall()
        )
    assert [t for t, _ in ann] == [
        "Visit site", "View pricing", "Log in", "Checkout", "Order placed", "Payment captured",
        "Ticket opened", "Ticket assigned", "Order shipped", "Ticket resolved",
    ]  # fmt: skip
    assert {s for _, s in ann} == {"web", "transactions", "support"}
    # Carl checks out as a guest: his GA4 purchase names his order, so his visit is his
    assert [t for t, _ in carl] == [
        "Visit site", "View pricing", "Checkout", "Order placed", "Payment captured",
        "Order cancelled", "Ticket opened", "Ticket assigned", "Ticket resolved",
    ]  # fmt: skip
    index = (reports / "index.html").read_text(encoding="utf-8")
    quality = index[index.index('id="quality-table"') :]
    assert "<th" in quality and ">Left out<" in quality  # the skipped session_start, shown
    page = (reports / "purchase.html").read_text(encoding="utf-8")
    funnel = page[page.index('<section id="funnel"') :]
    shown = dict(re.findall(r"<span>([^<]+): ([\d,]+)", funnel[: funnel.index("</section>")]))
    assert {html.unescape(s): n for s, n in shown.items()} == {
        s: format_count(n) for s, n in reached.items()
    }
    assert reached["Order shipped"] == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quality = con.sql(
            "SELECT source, sum(skipped), sum(rows_accepted) FROM marts.data_quality GROUP BY 1"
        ).fetchall()
    # GA4's session_start is left out and counted; every other accepted row is an event
    assert sorted(quality) == [
        ("customers", 0, 4), ("support", 0, 9), ("transactions", 0, 6), ("web", 1, 10)
    ]  # fmt: skip
