"""Reports built once per test process for the page, number and browser tests:

- the sample shop (data/sample: ingested, built, compared, reported with its two maps);
- the real help-desk log (../shared/data/real/helpdesk.csv brought in with ``journeys
  import-log``, built, compared with the hand-written tests/maps/helpdesk.yaml, reported);
- a hostile one: journeys whose touchpoints hold markup, an email and a phone number.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from builders import Journey, write_journey_marts
from conftest import REAL_DATA, ROOT
from journeys.compare.conformance import compare_maps
from journeys.compare.maps import JourneyMap, load_map
from journeys.config import Settings
from journeys.report.pages import write_reports
from journeys.warehouse import Warehouse

BUILT = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
HELPDESK_MAP = ROOT / "tests" / "maps" / "helpdesk.yaml"
HOSTILE = '<script>alert(1)</script> & "Q"'
EMAIL, PHONE = "jane.doe@example.com", "+44 20 7946 0958"


@dataclass(frozen=True)
class Report:
    warehouse: Path
    index: Path
    maps: tuple[JourneyMap, ...]
    settings: Settings

    def page(self, name: str) -> Path:
        return self.index.parent / f"{name}.html"


def _folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _report(warehouse: Path, settings: Settings, maps: tuple[JourneyMap, ...], out: Path) -> Report:
    with Warehouse(warehouse, read_only=True) as wh:
        index = write_reports(wh, settings, out, maps=maps, built_at=BUILT)
    return Report(warehouse=warehouse, index=index, maps=maps, settings=settings)


@cache
def sample_report() -> Report:
    """The sample shop, as `journeys demo` reports it."""
    from journeys.demo import demo_settings
    from sample_fixtures import sample_warehouse

    warehouse = sample_warehouse()
    settings = demo_settings(warehouse=warehouse, reports=warehouse.parent / "reports")
    maps = tuple(load_map(Path(p)) for p in settings.maps)
    return _report(warehouse, settings, maps, _folder("journeys-sample-report-"))


@cache
def helpdesk_report() -> Report:
    """The real help-desk log through the CLI: import-log (its agents as teams), build,
    compare."""
    from journeys.cli import main

    csv = REAL_DATA / "helpdesk.csv"
    folder = _folder("journeys-helpdesk-")
    warehouse = folder / "journeys.duckdb"
    head = ["--warehouse", str(warehouse)]
    log = ["--case-col", "case_id", "--activity-col", "activity", "--timestamp-col", "timestamp"]
    assert main([*head, "import-log", str(csv), *log, "--team-col", "resource"]) == 0
    assert main([*head, "build"]) == 0
    assert main([*head, "compare", "--map", str(HELPDESK_MAP)]) == 0
    return _report(warehouse, Settings(), (load_map(HELPDESK_MAP),), folder / "reports")


BACKBONE = ["Create Purchase Requisition", "Approve Requisition", "Create Purchase Order",
            "Send Order to Vendor", "Record Goods Receipt", "Record Invoice Receipt",
            "Clear Invoice", "Pay Invoice"]  # fmt: skip


def rework_log(path: Path, *, orders: int = 600, reworks: int = 60) -> Path:
    """A purchase-to-pay export as ERP logs look: an 8-step backbone, a rework ('Change Price
    (7)') after any step a quarter of the time, many of them rare, a fifth of the orders
    stopping early; one row per event, local times, departments as teams. Written by rule
    here, not by the project's generator."""
    import random

    rng = random.Random(5)
    names = [f"Change {w} ({k})" for w in ("Price", "Quantity", "Vendor") for k in range(20)]
    names = names[:reworks]
    weights = [1 / (i + 1) for i in range(len(names))]
    rows = ["PO Number,Activity,Event Time,Department"]
    for order in range(orders):
        t = datetime(2026, 1, 5, 8, 0) + timedelta(hours=rng.randint(0, 24 * 150))
        steps = BACKBONE if rng.random() >= 0.2 else BACKBONE[: rng.randint(2, 7)]
        for step in steps:
            walk = [step]
            while rng.random() < 0.25:
                walk.append(rng.choices(names, weights)[0])
            for activity in walk:
                t += timedelta(minutes=rng.randint(5, 60 * 48))
                team = rng.choice(["Purchasing", "Accounts Payable", "Warehouse"])
                rows.append(f"PO-{4500000000 + order},{activity},{t:%Y-%m-%d %H:%M:%S},{team}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@cache
def rework_report() -> Report:
    """The purchase-to-pay log through ``journeys analyze`` (a discovered map) and ``report``."""
    from journeys.cli import main

    folder = _folder("journeys-rework-")
    log = rework_log(folder / "p2p.csv")
    warehouse = folder / "journeys.duckdb"
    columns = ["--case-col", "PO Number", "--activity-col", "Activity",
               "--timestamp-col", "Event Time", "--team-col", "Department"]  # fmt: skip
    map_file = folder / "p2p.yaml"
    head = ["--warehouse", str(warehouse)]
    assert main([*head, "analyze", str(log), *columns, "--map-out", str(map_file)]) == 0
    return _report(warehouse, Settings(), (load_map(map_file),), folder / "reports")


HOSTILE_MAP = """\
name: online-purchase
description: How we believe a new customer buys online.
goal: Order delivered
ignore: ["Newsletter *"]
stages:
  - name: Buy
    steps:
      - name: Visit site
      - name: Add to cart
      - name: Apply coupon
        optional: true
      - name: Payment captured
      - name: Order delivered
"""


def hostile_paths() -> list[list[str]]:
    return (
        [["Visit site", "Add to cart", "Payment captured", "Order delivered"]] * 6
        + [["Visit site", HOSTILE, "Add to cart", "Payment captured", "Order delivered"]] * 3
        + [["Visit site", "Newsletter opened", "Add to cart", "Payment captured"]] * 2
        + [["Visit site", f"Call from {EMAIL}", "Add to cart"]] * 2
        + [["Visit site", "Add to cart"]] * 2
        + [["Newsletter opened"]]
    )


def hostile_report(root: Path) -> Report:
    """Sixteen journeys, some through a hostile touchpoint or one naming an email, a segment
    that is a phone number; compared and reported in ``root``."""
    t0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    paths = hostile_paths()
    warehouse = root / "journeys.duckdb"
    map_file = root / "online_purchase.yaml"
    map_file.write_text(HOSTILE_MAP, encoding="utf-8")
    with Warehouse(warehouse) as wh:
        write_journey_marts(
            wh,
            [
                Journey(
                    id=f"j{i:02d}",
                    path=path,
                    status="completed" if "Order delivered" in path else "abandoned",
                    value=10.0 if "Order delivered" in path else 0.0,
                    segment=f"Call {PHONE}" if i % 3 == 0 else "Retail",
                    start=t0 + timedelta(days=9 * i),
                    seconds=[900] * len(path),
                )
                for i, path in enumerate(paths)
            ],
        )
        compare_maps(wh, Settings(min_support=1), [map_file])
    settings = Settings(currency="EUR")
    return _report(warehouse, settings, (load_map(map_file),), root / "reports")
