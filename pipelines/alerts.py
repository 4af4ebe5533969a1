"""New drift events leave a run as Prefect artifacts, custom events and, where configured, one
notification.

For each drift event compare found that the marts did not hold before (``marts.map_drift``):

- a markdown artifact, keyed per map and gap (``journeys-drift-<map>-<gap id>``), so the Prefect
  UI shows each gap's events as one history (the ``MAX_ARTIFACTS`` most significant of a run);
- one table artifact of all of the run's new events (``journeys-drift``);
- a Prefect event ``journeys.drift`` on the resource ``journeys.map.<map>.gap.<gap id>``, with the
  event's measures as payload: an automation can trigger on it (docs/orchestration.md);
- with ``drift.notify_block`` set (a Prefect notification block, ``slack-webhook/cx-alerts``),
  one notification listing the run's new events. A notification that fails is logged; the run,
  whose marts are published already, does not fail for it.

Texts go through ``redact_text``: no email address or phone number leaves in an alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.blocks.core import Block
from prefect.cache_policies import NONE
from prefect.events import emit_event

from journeys.compare.drift import drift_line
from journeys.config import Settings
from journeys.report.text import redact_text, slugify

EVENT = "journeys.drift"
TABLE_KEY = "journeys-drift"
MAX_ARTIFACTS = 20
"""A run's first compare of a long history can find many events: the artifacts per event stop
here (the table and the events hold them all)."""
COLUMNS = ("map_name", "period", "kind", "measure", "gap_type", "description", "size",
           "ci_low", "ci_high", "q_value")  # fmt: skip


@dataclass(frozen=True)
class AlertTotals:
    events: int
    artifacts: int
    notified: bool


def artifact_key(event: Mapping[str, Any]) -> str:
    """``journeys-drift-<map slug>-<gap id in hex>``: one artifact history per gap."""
    return f"{TABLE_KEY}-{slugify(str(event['map_name']))}-{int(event['gap_id']):x}"


def event_markdown(event: Mapping[str, Any]) -> str:
    """One drift event as the markdown of its artifact."""
    rows = [
        ("map", event["map_name"]),
        ("period", f"{event['period']} (baseline: {event['baseline_periods']} period(s) from "
                   f"{event['baseline_period']})"),
        ("gap", f"{event['description']} ({event['gap_type']})"),
        ("kind", f"{event['kind']} ({event['measure']})"),
        ("size", f"{event['size']:+.4f} (95% {event['ci_low']:+.4f} to {event['ci_high']:+.4f})"),
        ("now / before", f"{event['value']:.4f} / {event['baseline_value']:.4f}"),
        ("q-value", f"{event['q_value']:.2g}"),
    ]  # fmt: skip
    table = "\n".join(
        f"| {name} | {redact_text(value).replace('|', '/')} |" for name, value in rows
    )
    return f"# Drift: {redact_text(drift_line(event))}\n\n| | |\n|---|---|\n{table}\n"


def _payload(event: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: redact_text(value) if isinstance(value, str) else str(value)
        for key, value in event.items()
        if key != "map_version"
    }


@task(name="alert", cache_policy=NONE, persist_result=False)
def alert_drift(events: Sequence[Mapping[str, Any]], settings: Settings) -> AlertTotals:
    """Artifacts, events and a notification for a run's new drift events (module docstring)."""
    if not events:
        return AlertTotals(events=0, artifacts=0, notified=False)
    ordered = sorted(events, key=lambda e: (float(e["q_value"]), str(e["period"])))
    for event in ordered[:MAX_ARTIFACTS]:
        create_markdown_artifact(
            markdown=event_markdown(event),
            key=artifact_key(event),
            description=redact_text(drift_line(event))[:500],
        )
    create_table_artifact(
        table=[{c: _cell(e[c]) for c in COLUMNS} for e in ordered],
        key=TABLE_KEY,
        description=f"{len(ordered)} new drift event(s) in marts.map_drift",
    )
    for event in ordered:
        gap = f"journeys.map.{slugify(str(event['map_name']))}.gap.{int(event['gap_id']):x}"
        emit_event(
            event=EVENT,
            resource={"prefect.resource.id": gap,
                      "prefect.resource.name": redact_text(event["description"])},
            payload=_payload(event),
        )  # fmt: skip
    notified = _notify(settings.drift.notify_block, ordered)
    get_run_logger().info(f"alert: {len(ordered)} new drift event(s)")
    return AlertTotals(
        events=len(ordered), artifacts=min(len(ordered), MAX_ARTIFACTS), notified=notified
    )


def _cell(value: Any) -> Any:
    """A table cell: numbers as they are, anything else as masked text (dates as ISO)."""
    if isinstance(value, int | float) or value is None:
        return value
    return redact_text(value)


def _notify(block_name: str | None, events: Sequence[Mapping[str, Any]]) -> bool:
    """One notification through the configured Prefect block; False when none is configured or
    it failed (logged)."""
    if not block_name:
        return False
    body = "\n".join(redact_text(drift_line(e)) for e in events)
    try:
        # Block.load and a notification block's notify are typed for both callers
        # (async_dispatch); called outside an event loop they run and return the result
        block = cast(Any, Block.load(block_name))
        block.notify(body=body, subject=f"journeys: {len(events)} new drift event(s)")
    except Exception as exc:  # the marts are published: a failed notification is a warning
        get_run_logger().warning(
            f"alert: the notification block '{block_name}' failed ({type(exc).__name__}: "
            f"{redact_text(exc)}); the events are in the artifacts and marts.map_drift"
        )
        return False
    return True
