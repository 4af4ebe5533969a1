"""The ``journeys`` command: the command contract of DESIGN.md.

Exit codes: 0 success; 1 a user error, printed as one line naming the file, row or field and the
fix; 2 a usage error (or a command whose capability is not built yet).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from journeys.errors import JourneysError, NotBuiltYet
from journeys.report.text import escape_controls

app = typer.Typer(
    name="journeys",
    help="Observed customer journeys from your event data, beside the journeys you assumed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

DEFAULT_WAREHOUSE = "warehouse/journeys.duckdb"


def echo(message: object, *, err: bool = False) -> None:
    """Print a result or an error. Names come from delivered data (a touchpoint, a map step):
    control and bidi characters in them are shown escaped (``\\x1b``), never sent to the
    terminal, where they could clear the screen, retitle it or reorder the line."""
    typer.echo(escape_controls(message), err=err)


_state: dict[str, Any] = {}

WarehouseOpt = Annotated[
    Path | None,
    typer.Option("--warehouse", help="DuckDB file [env JOURNEYS_WAREHOUSE].", show_default=False),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="journeys.yaml with sources, touchpoints, maps.")
]


@app.callback()
def _main(
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            envvar="JOURNEYS_WAREHOUSE",
            help=f"DuckDB warehouse file (default {DEFAULT_WAREHOUSE}).",
        ),
    ] = None,
) -> None:
    _state["warehouse"] = warehouse


def _module(name: str, command: str) -> Any:
    if importlib.util.find_spec(name) is None:
        raise NotBuiltYet(f"`journeys {command}` is not built yet; see the open issues")
    return importlib.import_module(name)


def settings_for(config: Path | None, warehouse: Path | None = None, **overrides: Any) -> Any:
    """Settings from --config, with the global --warehouse (or env) taking precedence."""
    from journeys.config import load_settings

    chosen = warehouse or _state.get("warehouse")
    return load_settings(config, warehouse=chosen, **overrides)


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
    mod = _module("journeys.generate", "generate")
    if chunks:
        result = mod.generate_chunks(out, customers=customers, seed=seed, chunks=chunks)
    else:
        result = mod.generate_sources(out, customers=customers, seed=seed)
    echo(result.summary())


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="transactions, web, support or customers.")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to load.")],
    config: ConfigOpt = None,
) -> None:
    """Load files of one source into raw.* (skips files already loaded; bad rows to raw.rejects).

    Example: journeys ingest web data/sample/web_events.jsonl
    """
    from journeys.config import SOURCES

    if source not in SOURCES:
        raise typer.BadParameter(f"'{source}' is not a source; use one of {', '.join(SOURCES)}")
    from journeys import steps

    for batch in steps.ingest_files(settings_for(config), source, paths):
        echo(batch.summary())


@app.command("import-log")
def import_log(
    file: Annotated[Path, typer.Argument(help="An event log: CSV, Parquet, JSONL or XES(.gz).")],
    case_col: Annotated[str, typer.Option("--case-col", help="Case id column.")],
    activity_col: Annotated[str, typer.Option("--activity-col", help="Activity column.")],
    timestamp_col: Annotated[str, typer.Option("--timestamp-col", help="Timestamp column.")],
    channel_col: Annotated[str | None, typer.Option("--channel-col")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv|parquet|jsonl|xes")] = None,
    open_cases_horizon: Annotated[
        str | None,
        typer.Option(
            "--open-cases-horizon",
            help="The extract is live: cases with an event this recent (e.g. 14d) may be in "
            "flight. Default: a historical log, every case completed.",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Bring any event log; each case becomes one journey as is.

    Example: journeys import-log helpdesk.csv --case-col case_id --activity-col activity
    --timestamp-col timestamp
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

    result = steps.import_event_log(
        settings_for(config),
        file,
        case_col=case_col,
        activity_col=activity_col,
        timestamp_col=timestamp_col,
        channel_col=channel_col,
        fmt=fmt,
        open_cases_horizon=horizon,
    )
    echo(result.summary())


@app.command()
def build(
    config: ConfigOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every customer.")] = False,
) -> None:
    """Stitch identities, build events, sessions, journeys and the mining marts; publish them.

    Example: journeys build --config data/sample/journeys.yaml
    """
    _module("journeys.paths", "build")
    from journeys import steps

    echo(steps.build_marts(settings_for(config), full=full).summary())


@app.command()
def compare(
    maps: Annotated[list[Path] | None, typer.Option("--map", help="Map YAML; repeatable.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Align the observed journeys to each assumptive map; write map_* marts.

    Example: journeys compare --map data/sample/maps/online_purchase.yaml
    """
    _module("journeys.compare.conformance", "compare")
    from journeys import steps

    settings = settings_for(config)
    echo(steps.compare_maps(settings, maps or ()).summary())


@app.command()
def report(
    out: Annotated[Path | None, typer.Option("--out", help="Folder for index.html.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Write the HTML reports: index.html and one page per map, offline.

    Example: journeys report --out reports
    """
    _module("journeys.report.pages", "report")
    from journeys import steps

    index = steps.write_reports(settings_for(config), out)
    echo(f"report: {index}")


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet files.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet")] = "parquet",
    config: ConfigOpt = None,
) -> None:
    """Write every published mart as Parquet (large ones partitioned by month).

    Example: journeys export --format parquet --out exports/
    """
    from journeys.export import export_marts
    from journeys.publish import open_published

    with open_published(settings_for(config)) as wh:
        echo(export_marts(wh, out, fmt=fmt).summary())


@app.command("validate-map")
def validate_map(file: Annotated[Path, typer.Argument(help="A map YAML file.")]) -> None:
    """Check an assumptive map; every error names the file, the field path and the fix.

    Example: journeys validate-map data/sample/maps/online_purchase.yaml
    """
    mod = _module("journeys.compare.maps", "validate-map")
    journey_map = mod.load_map(file)
    echo(f"{file}: ok ({journey_map.describe()})")


@app.command("suggest-map")
def suggest_map(
    map_file: Annotated[Path, typer.Option("--map", help="The assumed map to revise.")],
    coverage: Annotated[float, typer.Option("--coverage", min=0.0, max=1.0)] = 0.8,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the revised map.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Write a revised map explaining the journeys that cover a share, and print the diff.

    Example: journeys suggest-map --map maps/online_purchase.yaml --coverage 0.8 --out new.yaml
    """
    _module("journeys.compare.suggest", "suggest-map")
    from journeys import steps

    echo(steps.suggest_map(settings_for(config), map_file, coverage=coverage, out=out))


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Working folder for the demo.")] = Path("demo"),
) -> None:
    """Run the whole pipeline on data/sample/ and print where the reports are.

    Example: journeys demo
    """
    mod = _module("journeys.demo", "demo")
    echo(mod.run_demo(out, warehouse=_state.get("warehouse")))


@app.command()
def run(
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
) -> None:
    """Run the end-to-end Prefect flow (ingest, build, compare, report) on configured folders.

    Example: journeys run --config data/sample/journeys.yaml --partitions 8 --dask-address tcp://scheduler:8786
    """
    mod = _module("pipelines.daily", "run")
    settings = settings_for(config, partitions=partitions, dask_address=dask_address)
    if settings.dask_address and settings.partitions == 1:
        settings = settings.model_copy(update={"partitions": 2 * (os.cpu_count() or 1)})
    echo(mod.run_daily(settings))


@app.command()
def serve() -> None:
    """Serve the scheduled deployments of prefect.yaml locally (Ctrl-C stops).

    Example: journeys serve
    """
    mod = _module("pipelines.serve", "serve")
    mod.serve_deployments()


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        app(args=argv, standalone_mode=False)
    except NotBuiltYet as exc:
        echo(str(exc), err=True)
        return 2
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
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
