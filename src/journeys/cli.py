"""The ``journeys`` command: the command contract of DESIGN.md.

Exit codes: 0 success; 1 a user error, printed as one line naming the file, row or field and the
fix; 2 a usage error.

The top-level options live in typer's context (``ctx.obj``, a frozen ``CliState``), not in module
globals; ``--warehouse`` is accepted before or after the subcommand (after wins). Environment
variables are read here, at the edge, and nowhere in the library. Commands import what they run
when they run (``--help`` stays fast); only ``demo``, ``run`` and ``serve`` import the Prefect
flows in ``pipelines/`` (the library never does).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from journeys.errors import JourneysError
from journeys.report.text import escape_controls

if TYPE_CHECKING:
    from journeys.config import Settings

app = typer.Typer(
    name="journeys",
    help="Observed customer journeys from your event data, beside the journeys you assumed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ENV_WAREHOUSE = "JOURNEYS_WAREHOUSE"


def echo(message: object, *, err: bool = False) -> None:
    """Print a result or an error. Names come from delivered data (a touchpoint, a map step):
    control and bidi characters in them are shown escaped (``\\x1b``), never sent to the
    terminal, where they could clear the screen, retitle it or reorder the line."""
    typer.echo(escape_controls(message), err=err)


@dataclass(frozen=True)
class CliState:
    """The top-level options, kept in typer's context (``ctx.obj``) for every command."""

    warehouse: Path | None
    """``--warehouse`` before the subcommand, else ``$JOURNEYS_WAREHOUSE``; None: the config's
    ``warehouse:``, else the default ``warehouse/journeys.duckdb``."""


_WAREHOUSE_HELP = (
    "DuckDB warehouse file (default warehouse/journeys.duckdb, or the config's `warehouse:`)."
)
WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help=f"{_WAREHOUSE_HELP} Also accepted before the command; env {ENV_WAREHOUSE}.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="journeys.yaml with sources, touchpoints, maps.")
]


@app.callback()
def _main(
    ctx: typer.Context,
    warehouse: Annotated[
        Path | None, typer.Option("--warehouse", envvar=ENV_WAREHOUSE, help=_WAREHOUSE_HELP)
    ] = None,
) -> None:
    ctx.obj = CliState(warehouse=warehouse)


def settings_for(
    ctx: typer.Context,
    config: Path | None,
    warehouse: Path | None,
    *,
    partitions: int | None = None,
    dask_address: str | None = None,
) -> Settings:
    """Settings from ``--config``; ``--warehouse`` after the subcommand, else before it (or the
    environment), takes precedence over the configuration's ``warehouse:``."""
    from journeys.config import load_settings

    return load_settings(
        config,
        warehouse=chosen_warehouse(ctx, warehouse),
        partitions=partitions,
        dask_address=dask_address,
    )


def chosen_warehouse(ctx: typer.Context, warehouse: Path | None) -> Path | None:
    """``--warehouse`` after the subcommand, else before it (or ``$JOURNEYS_WAREHOUSE``)."""
    state = ctx.find_object(CliState)
    return warehouse or (state.warehouse if state is not None else None)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the four sources into.")],
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="How many customers.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 7,
    chunks: Annotated[
        int | None,
        typer.Option(
            "--chunks",
            min=1,
            help="Write the shop as N runs into chunk-000/, chunk-001/, ... (ids unique across "
            "them); memory follows one chunk, for shops of 100M+ events.",
        ),
    ] = None,
) -> None:
    """Write synthetic customers, transactions, web and support sources with known behaviours.

    Example: journeys generate --customers 1000 --seed 7 --out data/sample
    """
    from journeys.generate import generate_chunks, generate_sources

    if chunks:
        echo(generate_chunks(out, customers=customers, seed=seed, chunks=chunks).summary())
    else:
        echo(generate_sources(out, customers=customers, seed=seed).summary())


@app.command()
def ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="transactions, web, support or customers.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to load.")],
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Load files of one source into raw.* (skips files already loaded; bad rows to raw.rejects).

    Example: journeys ingest web data/sample/web_events.jsonl
    """
    from journeys.config import SOURCES
    from journeys.errors import IngestError

    if source not in SOURCES:
        raise typer.BadParameter(f"'{source}' is not a source; use one of {', '.join(SOURCES)}")
    from journeys import steps

    batches = steps.ingest_files(settings_for(ctx, config, warehouse), source, paths)
    for batch in batches:
        echo(batch.summary(), err=batch.refused)
    refused = [batch for batch in batches if batch.refused]
    if refused:  # the other files were loaded; exit 1 all the same
        raise IngestError(f"{len(refused)} of {len(batches)} file(s) refused (above); fix, rerun")


# long: typer declares each of the log's options (XES, OCEL, CSV columns, time zone) here
@app.command("import-log")
def import_log(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="An event log: XES(.gz), OCEL 2.0 (.json, .xml, .sqlite), CSV, Parquet or JSONL."
        ),
    ],  # fmt: skip
    case_col: Annotated[
        str | None, typer.Option("--case-col", help="Case id column (XES: case:concept:name).")
    ] = None,
    activity_col: Annotated[
        str | None, typer.Option("--activity-col", help="Activity column (XES: concept:name).")
    ] = None,
    timestamp_col: Annotated[
        str | None,
        typer.Option("--timestamp-col", help="Timestamp column (XES: time:timestamp)."),
    ] = None,
    channel_col: Annotated[
        str | None, typer.Option("--channel-col", help="Channel column (optional).")
    ] = None,
    event_id_col: Annotated[
        str | None,
        typer.Option(
            "--event-id-col", help="Event id column; without it events are keyed by content."
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Timezone of timestamps without an offset (default UTC)."),
    ] = None,
    lifecycle: Annotated[
        str,
        typer.Option("--lifecycle", help="XES: keep 'complete' events, or 'all' transitions."),
    ] = "complete",
    object_type: Annotated[
        str | None,
        typer.Option("--object-type", help="OCEL 2.0: the object type whose objects are cases."),
    ] = None,
    personal_case_ids: Annotated[
        bool,
        typer.Option(
            "--personal-case-ids", help="Case ids are personal data: the marts show hashes."
        ),
    ] = False,
    fmt: Annotated[str | None, typer.Option("--format", help="csv|parquet|jsonl|xes|ocel")] = None,
    open_cases_horizon: Annotated[
        str | None,
        typer.Option(
            "--open-cases-horizon",
            help="The extract is live: cases with an event this recent (e.g. 14d) may be in "
            "flight. Default: a historical log, every case completed.",
        ),
    ] = None,
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Bring any event log; each case becomes one journey as is.

    XES and OCEL 2.0 need no column flags; CSV, Parquet and JSONL name their columns.
    Re-importing the same events, in any order, changes nothing.

    Example: journeys import-log orders.xes.gz

    Example: journeys import-log helpdesk.csv --case-col case_id --activity-col activity
    --timestamp-col timestamp --timezone Europe/Amsterdam
    """
    from journeys import steps
    from journeys.config import parse_duration

    try:
        horizon = (
            None
            if open_cases_horizon is None
            else parse_duration(open_cases_horizon, field="--open-cases-horizon")
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    if lifecycle not in ("complete", "all"):
        raise typer.BadParameter(f"'{lifecycle}': use complete or all", param_hint="--lifecycle")
    result = steps.import_event_log(
        settings_for(ctx, config, warehouse),
        file,
        case_col=case_col,
        activity_col=activity_col,
        timestamp_col=timestamp_col,
        channel_col=channel_col,
        event_id_col=event_id_col,
        timezone=timezone,
        lifecycle=lifecycle,
        object_type=object_type,
        personal_case_ids=personal_case_ids,
        fmt=fmt,
        open_cases_horizon=horizon,
    )
    echo(result.summary())


@app.command()
def build(
    ctx: typer.Context,
    config: ConfigOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every customer.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Stitch identities, build events, sessions, journeys and the mining marts; publish them.

    Example: journeys build --config data/sample/journeys.yaml
    """
    from journeys import steps

    echo(steps.build_marts(settings_for(ctx, config, warehouse), full=full).summary())


@app.command()
def compare(
    ctx: typer.Context,
    maps: Annotated[list[Path] | None, typer.Option("--map", help="Map YAML; repeatable.")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Compare every journey, not only the changed ones.")
    ] = False,
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Align the observed journeys to each assumptive map; write map_* marts, the gap history
    and drift events (only the journeys changed since the last compare, unless --full).

    Example: journeys compare --map data/sample/maps/online_purchase.yaml
    """
    from journeys import steps

    settings = settings_for(ctx, config, warehouse)
    echo(steps.compare_maps(settings, maps or (), full=full).summary())


@app.command()
def drift(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="How far back: periods that ended within it (7d, 24h).")
    ] = "7d",
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Print the drift events of the latest periods: gaps whose share or effect on the goal
    changed beyond chance, and expected shares missed (marts.map_drift).

    Example: journeys drift --since 7d
    """
    from journeys import steps
    from journeys.config import parse_duration

    try:
        seconds = parse_duration(since, field="--since")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for line in steps.drift_lines(settings_for(ctx, config, warehouse), since_seconds=seconds):
        echo(line)


@app.command()
def report(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for index.html.")] = None,
    maps: Annotated[
        list[Path] | None,
        typer.Option(
            "--map",
            help="Map YAML; repeatable. Default: the configured maps, else "
            "every map `journeys compare` has written.",
        ),
    ] = None,  # fmt: skip
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Write the HTML reports: index.html and one page per map, offline.

    Example: journeys report --out reports
    """
    from journeys import steps

    index = steps.write_reports(settings_for(ctx, config, warehouse), out, maps or ())
    echo(f"report: {index}")


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet files.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet")] = "parquet",
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Write every published mart as Parquet (large ones partitioned by month).

    Example: journeys export --format parquet --out exports/
    """
    from journeys.export import export_marts
    from journeys.publish import open_published

    with open_published(settings_for(ctx, config, warehouse)) as wh:
        echo(export_marts(wh, out, fmt=fmt).summary())


@app.command("validate-map")
def validate_map(file: Annotated[Path, typer.Argument(help="A map YAML file.")]) -> None:
    """Check an assumptive map; every error names the file, the field path and the fix.

    Example: journeys validate-map data/sample/maps/online_purchase.yaml
    """
    from journeys.compare.maps import load_map

    echo(f"{file}: ok ({load_map(file).describe()})")


@app.command("suggest-map")
def suggest_map(
    ctx: typer.Context,
    map_file: Annotated[
        Path | None,
        typer.Option("--map", help="The assumed map to revise; without it, discover a first map."),
    ] = None,
    coverage: Annotated[
        float,
        typer.Option(
            "--coverage", min=0.0, max=1.0, help="Share of journeys the map should explain."
        ),
    ] = 0.8,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the map (default: print it).")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Name of a discovered map (default: the --out file's stem)."),
    ] = None,
    config: ConfigOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Write a map explaining the journeys that cover a share: a revision of --map (with the
    diff), or, without --map, a first map discovered from the journeys.

    Example: journeys suggest-map --out maps/first.yaml

    Example: journeys suggest-map --map maps/online_purchase.yaml --coverage 0.8 --out new.yaml
    """
    from journeys import steps

    settings = settings_for(ctx, config, warehouse)
    echo(steps.suggest_map(settings, map_file, coverage=coverage, out=out, name=name))


@app.command()
def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder for the reports.")] = Path("reports"),
    warehouse: WarehouseOpt = None,
) -> None:
    """Run the whole pipeline (the daily Prefect flow) on data/sample/; print where the reports are.

    Example: journeys demo
    """
    from pipelines.daily import run_daily

    from journeys.config import DEFAULT_WAREHOUSE
    from journeys.demo import check_demo_warehouse, demo_settings, reset_stale_demo

    chosen = chosen_warehouse(ctx, warehouse) or DEFAULT_WAREHOUSE
    settings = demo_settings(warehouse=chosen, reports=out)
    check_demo_warehouse(settings)
    if reset_stale_demo(settings):
        echo(f"demo: {chosen} was written by an older version; loading the sample again")
    echo(run_daily(settings))


@app.command()
def run(
    ctx: typer.Context,
    config: ConfigOpt = None,
    partitions: Annotated[
        int | None,
        typer.Option("--partitions", min=1, help="Build paths in N customer-hash partitions."),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Run the partitions on this Dask scheduler (tcp://host:8786, or 'local').",
        ),
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Run the end-to-end Prefect flow (ingest, build, compare, report) on configured folders.

    Example: journeys run --config data/sample/journeys.yaml --partitions 8 --dask-address tcp://scheduler:8786
    """
    from pipelines.daily import run_daily

    settings = settings_for(
        ctx, config, warehouse, partitions=partitions, dask_address=dask_address
    )
    if settings.dask_address and settings.partitions == 1:
        settings = settings.model_copy(update={"partitions": 2 * (os.cpu_count() or 1)})
    echo(run_daily(settings))


@app.command()
def serve(ctx: typer.Context, warehouse: WarehouseOpt = None) -> None:
    """Serve the scheduled deployments of prefect.yaml locally (Ctrl-C stops).

    Example: journeys serve
    """
    from pipelines.serve import serve_deployments

    serve_deployments(warehouse=chosen_warehouse(ctx, warehouse))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        app(args=argv, standalone_mode=False)
    except JourneysError as exc:
        echo(str(exc), err=True)
        return 1
    except typer.Abort:
        echo("aborted", err=True)
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        # Usage errors of the click that typer vendors: they know how to show themselves.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
