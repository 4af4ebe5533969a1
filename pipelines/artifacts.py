"""The artifacts every daily run leaves in Prefect: a markdown summary, a gap table, a link.

Pure builders (``top_gaps``, ``summary_markdown``, ``gap_rows``) take frames and the run's
totals; ``create_run_artifacts`` reads ``marts.map_gaps`` from the published warehouse and
hands the results to Prefect. The summary names gap types by their report labels
(``journeys.compare.deviations``). Every text cell goes through ``redact_text``: no email address or
phone number reaches an artifact, even if one slipped into a touchpoint or file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

from journeys.compare.deviations import gap_label
from journeys.config import Settings
from journeys.errors import JourneysError
from journeys.publish import open_published
from journeys.report.text import redact_text
from pipelines.tasks import BuildTotals, CompareTotals, IngestTotals

SUMMARY_KEY = "journeys-daily-summary"
GAPS_KEY = "journeys-gaps"
REPORT_KEY = "journeys-report"

GAP_COLUMNS = (
    "map_name",
    "rank",
    "gap_type",
    "from_step",
    "to_step",
    "journeys",
    "customers",
    "share",
    "effect",
    "impact",
    "value_at_risk",
)
TOP_PER_MAP = 5
TABLE_PER_MAP = 50
"""The table artifact keeps the 50 best-ranked gaps of each map (the marts keep all)."""


@dataclass(frozen=True)
class DailyRun:
    """What one run of ``journeys-daily`` did; a failed run has ``failed_step`` and ``error``."""

    warehouse: Path | None
    ingest: IngestTotals | None = None
    build: BuildTotals | None = None
    compare: CompareTotals | None = None
    published: Path | None = None
    report_index: Path | None = None
    failed_step: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed_step is None

    def summary(self) -> str:
        """A few lines for the terminal: what ran, and where the report index is."""
        lines = [self.ingest.line() if self.ingest else "ingest: not run"]
        lines.append(self.build.text if self.build else "build: not run")
        lines.append(self.compare.text if self.compare else "compare: not run")
        lines.append(f"publish: {self.published}" if self.published else "publish: not run")
        lines.append(f"report: {self.report_index}" if self.report_index else "report: not run")
        if self.error:
            lines.append(f"failed: {self.error}")
        return "\n".join(lines)


def read_gaps(settings: Settings | None) -> pl.DataFrame | None:
    """``marts.map_gaps`` of the published warehouse (known columns only), or None."""
    if settings is None or not Path(settings.warehouse).exists():
        return None
    try:
        with open_published(settings) as wh:
            if not wh.table_exists("marts.map_gaps"):
                return None
            columns = [c for c in GAP_COLUMNS if c in wh.columns("marts.map_gaps")]
            return wh.read_table("marts.map_gaps", columns=columns)
    except JourneysError:
        return None


def top_gaps(gaps: pl.DataFrame | None, *, per_map: int = TOP_PER_MAP) -> pl.DataFrame:
    """The ``per_map`` best-ranked gaps of each map, ordered by map then rank."""
    if gaps is None or gaps.is_empty() or "map_name" not in gaps.columns:
        return pl.DataFrame(schema={c: pl.String for c in GAP_COLUMNS})
    ranked = gaps.filter(pl.col("rank").is_not_null()) if "rank" in gaps.columns else gaps
    order = ["map_name", "rank"] if "rank" in gaps.columns else ["map_name"]
    return (
        ranked.sort(order, nulls_last=True).group_by("map_name", maintain_order=True).head(per_map)
    )


def _cell(value: Any, column: str) -> str:
    if value is None:
        return ""
    if column == "gap_type":
        return gap_label(str(value))
    if column == "share" and isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return redact_text(value).replace("|", "\\|").replace("\n", " ")


def gap_rows(gaps: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows for Prefect's table artifact: numbers kept as numbers, text masked."""
    return [
        {k: redact_text(v) if isinstance(v, str) else v for k, v in row.items()}
        for row in gaps.to_dicts()
    ]


def summary_markdown(run: DailyRun, gaps: pl.DataFrame | None, *, at: datetime) -> str:
    """The run's summary: counts per step, the failure if any, and the top gaps per map."""
    status = "completed" if run.ok else f"failed at {run.failed_step}"
    lines = [f"# journeys daily run: {status}", "", f"{at:%Y-%m-%d %H:%M} UTC", ""]
    lines += ["| step | result |", "|---|---|"]
    ingest, build = run.ingest, run.build
    if ingest:
        lines.append(
            f"| ingest | {ingest.files_loaded} file(s) loaded, {ingest.files_skipped} already "
            f"loaded, **{ingest.files_refused} refused**, **{ingest.files_all_rejected} with "
            "every row rejected** (see data quality); "
            f"rows: {ingest.rows_read} read, **{ingest.rows_loaded} loaded**, "
            f"**{ingest.rows_rejected} rejected** (kept in raw.rejects), {ingest.duplicates} "
            f"duplicates, **{ingest.late_events} late** |"
        )
    if build:
        kind = "full rebuild" if build.full_rebuild else "incremental"
        lines.append(
            f"| build | **{build.journeys} journeys** built from {build.events} events of "
            f"{build.customers} customers ({kind}) |"
        )
    if run.compare:
        lines.append(f"| compare | {_cell(run.compare.text, 'text')} |")
    if run.published:
        lines.append(f"| publish | `{run.published}` |")
    if run.report_index:
        lines.append(
            f"| report | [{run.report_index.name}]({Path(run.report_index).resolve().as_uri()}) |"
        )
    if run.error:
        lines += ["", f"**Failed:** {_cell(run.error, 'error')}", ""]
        lines.append(
            "The marts were published; the reports were not rewritten."
            if run.published
            else "The previously published marts are unchanged."
        )
    top = top_gaps(gaps)
    lines += ["", f"## Top {TOP_PER_MAP} gaps per map", ""]
    if top.is_empty():
        lines.append("No ranked gaps (no maps compared, or none with enough support).")
    shown = [c for c in GAP_COLUMNS[1:] if c in top.columns]
    for map_name in top["map_name"].unique(maintain_order=True).to_list():
        lines += [f"### {_cell(map_name, 'map_name')}", ""]
        lines.append("| " + " | ".join(c.replace("_", " ") for c in shown) + " |")
        lines.append("|" + "---|" * len(shown))
        for row in top.filter(pl.col("map_name") == map_name).iter_rows(named=True):
            lines.append("| " + " | ".join(_cell(row[c], c) for c in shown) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def create_run_artifacts(run: DailyRun, settings: Settings | None) -> None:
    """Summary, gap table and (when written) the report link, keyed so Prefect keeps history.

    ``settings`` is None when the run failed before it had any (a bad configuration)."""
    gaps = read_gaps(settings)
    create_markdown_artifact(
        markdown=summary_markdown(run, gaps, at=datetime.now(UTC)),
        key=SUMMARY_KEY,
        description="journeys-daily: rows loaded, journeys built, top gaps per map",
    )
    table = top_gaps(gaps, per_map=TABLE_PER_MAP)
    create_table_artifact(
        table=gap_rows(table) or {column: [] for column in GAP_COLUMNS},
        key=GAPS_KEY,
        description=f"Ranked gaps per map (best {TABLE_PER_MAP} of each) from marts.map_gaps",
    )
    if run.report_index is not None:
        create_link_artifact(
            link=Path(run.report_index).resolve().as_uri(),
            link_text="Journey reports (index.html)",
            key=REPORT_KEY,
            description="The HTML reports written by this run",
        )
