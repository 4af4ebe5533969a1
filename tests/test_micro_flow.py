"""pipelines/micro.py and pipelines/alerts.py: the journeys-micro flow (new files only, stops
when nothing is new or another run writes), its deployment, and the alerts for drift events."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pipelines import alerts
from pipelines.micro import MicroRun, journeys_micro
from pipelines.params import MicroParams
from prefect import flow
from prefect.blocks.notifications import NotificationBlock
from pydantic import ValidationError

from feed import Mix, between, journey_rows, sample_feed, write_feed
from journeys.publish import open_published, writer_lock
from test_flows import artifacts_of
from test_micro import FIRST, shop_settings

DAYS = 10


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, list]:
    journeys = sample_feed(random.Random(5), first=FIRST, days=DAYS, per_day=4, mix=Mix(),
                           prefix="c")  # fmt: skip
    return tmp_path, journeys


def deliver(root: Path, journeys: list, n: int, first: object, last: object, known: set) -> int:
    """Write one delivery's files; returns how many."""
    files = journey_rows(between(journeys, first, last), known=known)  # type: ignore[arg-type]
    return len(write_feed(root / "landing", files, name=f"delivery-{n}"))


@pytest.mark.usefixtures("prefect_harness")
def test_micro_runs_only_when_files_are_new_and_publishes_them(shop):
    root, journeys = shop
    settings = shop_settings(root)
    params = MicroParams(settings=settings)
    known: set[str] = set()
    middle = FIRST + timedelta(days=DAYS - 2)
    files = deliver(root, journeys, 0, FIRST, middle, known)
    state = journeys_micro(params, return_state=True)
    assert state.is_completed(), state.message
    run: MicroRun = state.result()
    assert run.skipped is None and run.ingest is not None and run.ingest.files_loaded == files
    assert run.published == settings.warehouse and run.alerts is not None
    with open_published(settings) as wh:
        first = wh.count("marts.map_journeys")
        assert first > 0 and wh.count("marts.map_gap_history") > 0
    summary = artifacts_of(state.state_details.flow_run_id)["journeys-micro-summary"].data
    assert "completed" in summary and "@example.com" not in summary

    # nothing new: the run stops at once, Completed, and leaves no artifact
    again = journeys_micro(params, return_state=True)
    assert again.is_completed() and again.message.startswith("skipped: no new files")
    assert artifacts_of(again.state_details.flow_run_id) == {}

    # the next delivery: only its files, compared as a micro-batch
    files = deliver(root, journeys, 1, middle, FIRST + timedelta(days=60), known)
    later: MicroRun = journeys_micro(params)
    assert later.ingest is not None and later.ingest.files_loaded == files >= 2
    assert later.compare is not None and "changed journeys" in later.compare.text
    with open_published(settings) as wh:
        assert wh.count("marts.map_journeys") > first


@pytest.mark.usefixtures("prefect_harness")
def test_micro_stops_when_another_run_is_writing(shop):
    root, journeys = shop
    settings = shop_settings(root)
    deliver(root, journeys, 0, FIRST, FIRST + timedelta(days=60), set())
    with writer_lock(settings, step="build"):
        state = journeys_micro(MicroParams(settings=settings), return_state=True)
    assert state.is_completed()
    assert "another journeys run is writing it" in state.message
    assert not settings.warehouse.exists()  # nothing was published


def test_micro_never_rebuilds_everything(tmp_path: Path):
    settings = shop_settings(tmp_path)
    with pytest.raises(ValidationError, match="journeys-micro is incremental"):
        MicroParams(settings=settings, full=True)


# -- alerts -------------------------------------------------------------------------------------


class Recorder(NotificationBlock):
    """A notification block that writes what it is sent to a file (a Slack webhook stand-in)."""

    _block_type_slug = "journeys-test-recorder"
    path: str

    def notify(self, body: str, subject: str | None = None) -> None:  # type: ignore[override]
        Path(self.path).write_text(f"{subject}\n{body}", encoding="utf-8")


def event(gap_id: int, q: float, description: str) -> dict[str, Any]:
    return {
        "map_name": "Online purchase", "map_version": "v1", "period": date(2024, 2, 12),
        "baseline_period": date(2024, 1, 15), "baseline_periods": 4, "gap_id": gap_id,
        "gap_key": "[]", "gap_type": "unexpected_step", "from_step": "Payment failed",
        "to_step": None, "touchpoint": "Phone support", "detail": None,
        "description": description, "kind": "grew", "measure": "share", "size": 0.2,
        "ci_low": 0.12, "ci_high": 0.28, "value": 0.23, "baseline_value": 0.03,
        "p_value": q / 2, "q_value": q,
    }  # fmt: skip


@pytest.mark.usefixtures("prefect_harness")
def test_each_drift_event_is_an_artifact_an_event_and_a_notification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sent = tmp_path / "sent.txt"
    Recorder(path=str(sent)).save("cx-alerts", overwrite=True)
    settings = shop_settings(tmp_path, notify_block="journeys-test-recorder/cx-alerts")
    emitted: list[dict[str, Any]] = []
    monkeypatch.setattr(alerts, "emit_event", lambda **kw: emitted.append(kw))
    events = [
        event(0xABC, 0.001, "unexpected 'Phone support' after 'Payment failed' (mail x@y.com)"),
        event(0xDEF, 0.0001, "'Order delivered' later than 4d"),
    ]

    @flow
    def alerting() -> tuple[alerts.AlertTotals, UUID]:
        from prefect.runtime import flow_run

        return alerts.alert_drift(events, settings), UUID(flow_run.id)

    totals, run_id = alerting()
    assert totals == alerts.AlertTotals(events=2, artifacts=2, notified=True)
    found = artifacts_of(run_id)
    assert set(found) == {
        "journeys-drift",
        "journeys-drift-online-purchase-abc",
        "journeys-drift-online-purchase-def",
    }
    markdown = found["journeys-drift-online-purchase-abc"].data
    assert "grew" in markdown and "+0.2000" in markdown and "x@y.com" not in markdown
    assert [e["event"] for e in emitted] == ["journeys.drift"] * 2
    assert emitted[0]["resource"]["prefect.resource.id"] == "journeys.map.online-purchase.gap.def"
    subject, *lines = sent.read_text(encoding="utf-8").splitlines()
    assert subject == "journeys: 2 new drift event(s)"
    assert lines[0].startswith("Online purchase, 2024-02-12: 'Order delivered' later than 4d")
    assert "[email]" in lines[1] and "x@y.com" not in sent.read_text(encoding="utf-8")


@pytest.mark.usefixtures("prefect_harness")
def test_a_failing_notification_is_a_warning_not_a_failed_run(tmp_path: Path, monkeypatch):
    settings = shop_settings(tmp_path, notify_block="journeys-test-recorder/missing")
    monkeypatch.setattr(alerts, "emit_event", lambda **kw: None)

    @flow
    def alerting() -> alerts.AlertTotals:
        return alerts.alert_drift([event(1, 0.001, "a gap")], settings)

    assert alerting() == alerts.AlertTotals(events=1, artifacts=1, notified=False)
