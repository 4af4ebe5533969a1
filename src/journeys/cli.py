"""The ``journeys`` command: the command contract of DESIGN.md.

Exit codes: 0 success; 1 a user error, printed as one line naming the file, row or field and the
fix; 2 a usage error.

The top-level options live in click's context (``ctx.obj``, a frozen ``CliState``), not in module
globals; ``--warehouse`` is accepted before or after the subcommand (after wins). Environment
variables are read here, at the edge, and nowhere in the library. Commands import what they run
when they run (``--help`` stays fast); only ``demo``, ``run`` and ``serve`` import the Prefect
flows in ``pipelines/`` (the library never does). Plain click: typer's layer over it cost
about 25 ms of every command (it built a pydantic validator per option).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from journeys.errors import JourneysError
from journeys.report.text import escape_controls

if TYPE_CHECKING:
    from journeys.config import Settings

ENV_WAREHOUSE = "JOURNEYS_WAREHOUSE"
PATH = click.Path(path_type=Path)


def echo(message: object, *, err: bool = False) -> None:
    """Print a result or an error. Names come from delivered data (a touchpoint, a map step):
    control and bidi characters in them are shown escaped (``\\x1b``), never sent to the
    terminal, where they could clear the screen, retitle it or reorder the line."""
    click.echo(escape_controls(message), err=err)


@dataclass(frozen=True)
class CliState:
    """The top-level options, kept in click's context (``ctx.obj``) for every command."""

    warehouse: Path | None
    """``--warehouse`` before the subcommand, else ``$JOURNEYS_WAREHOUSE``; None: the config's
    ``warehouse:``, else the default ``warehouse/journeys.duckdb``."""


class Group(click.Group):
    """The ``journeys`` group: its commands listed in the order they are declared."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def option(*decls: str, help: str, **kwargs: Any) -> Callable[[Any], Any]:  # noqa: A002
    """An option whose default is shown in ``--help`` (unless it is None or a flag's False)."""
    default = kwargs.get("default")
    kwargs.setdefault("show_default", default is not None and default is not False)
    return click.option(*decls, help=help, **kwargs)


_WAREHOUSE_HELP = (
    "DuckDB warehouse file (default warehouse/journeys.duckdb, or the config's `warehouse:`)."
)
warehouse_option = option(
    "--warehouse",
    type=PATH,
    help=f"{_WAREHOUSE_HELP} Also accepted before the command; env {ENV_WAREHOUSE}.",
)
config_option = option("--config", type=PATH, help="journeys.yaml with sources, touchpoints, maps.")


def coverage_option(help: str) -> Callable[[Any], Any]:  # noqa: A002
    """``--coverage``: the share of journeys a discovered or revised map should explain
    (suggest-map, analyze)."""
    return option("--coverage", type=click.FloatRange(0.0, 1.0), default=0.8, help=help)


def min_share_option(help: str, *, default: float | None) -> Callable[[Any], Any]:  # noqa: A002
    """``--min-variant-share``: the share of journeys a sequence needs to be adopted into a
    discovered or revised map (suggest-map, analyze)."""
    return option(
        "--min-variant-share",
        "min_share",
        type=click.FloatRange(0.0, 1.0),
        default=default,
        help=help,
    )


@click.group(
    name="journeys",
    cls=Group,
    help="Observed customer journeys from your event data, beside the journeys you assumed.",
    no_args_is_help=True,
)
@option("--warehouse", type=PATH, envvar=ENV_WAREHOUSE, show_envvar=True, help=_WAREHOUSE_HELP)
@click.pass_context
def app(ctx: click.Context, warehouse: Path | None) -> None:
    ctx.obj = CliState(warehouse=warehouse)


def settings_for(
    ctx: click.Context,
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


def chosen_warehouse(ctx: click.Context, warehouse: Path | None) -> Path | None:
    """``--warehouse`` after the subcommand, else before it (or ``$JOURNEYS_WAREHOUSE``)."""
    state = ctx.find_object(CliState)
    return warehouse or (state.warehouse if state is not None else None)


@app.command()
@option("--out", type=PATH, required=True, help="Folder to write the four sources into.")
@option("--customers", type=click.IntRange(min=1), default=1000, help="How many customers.")
@option("--seed", type=int, default=7, help="Random seed; same seed, same bytes.")
@option(
    "--chunks",
    type=click.IntRange(min=1),
    help="Write the shop as N runs into chunk-000/, chunk-001/, ... (ids unique across them); "
    "memory follows one chunk, for shops of 100M+ events.",
)
def generate(out: Path, customers: int, seed: int, chunks: int | None) -> None:
    """Write synthetic customers, transactions, web and support sources with known behaviours.

    Example: journeys generate --customers 1000 --seed 7 --out data/sample
    """
    from journeys.generate import generate_chunks, generate_sources

    if chunks:
        echo(generate_chunks(out, customers=customers, seed=seed, chunks=chunks).summary())
    else:
        echo(generate_sources(out, customers=customers, seed=seed).summary())


@app.command()
@click.argument("source", help="transactions, web, support or customers.")
@click.argument("paths", type=PATH, nargs=-1, required=True, help="Files or folders to load.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["auto", "csv", "jsonl", "parquet", "excel", "ga4"]),
    default=None,
    help="How the files are read, over the configuration's sources.<source>.format: ga4 for "
    "Google Analytics 4's BigQuery export (web).",
)
@config_option
@warehouse_option
@click.pass_context
def ingest(
    ctx: click.Context,
    source: str,
    paths: tuple[Path, ...],
    file_format: str | None,
    config: Path | None,
    warehouse: Path | None,
) -> None:
    """Load files of one source into raw.* (skips files already loaded; bad rows to raw.rejects).

    Example: journeys ingest web data/sample/web_events.jsonl
    """
    from journeys.config import SOURCES
    from journeys.errors import IngestError

    if source not in SOURCES:
        raise click.BadParameter(f"'{source}' is not a source; use one of {', '.join(SOURCES)}")
    if file_format == "ga4" and source != "web":
        raise click.BadParameter("ga4 is Google Analytics 4's export of web events: ingest web")
    from journeys import steps

    settings = settings_for(ctx, config, warehouse)
    if file_format is not None:  # the source's format for this run
        read = settings.source(source).replace(format=file_format)
        settings = settings.replace(sources={**settings.sources, source: read})
    batches = steps.ingest_files(settings, source, list(paths))
    for batch in batches:
        echo(batch.summary(), err=batch.refused or batch.every_row_rejected)
    refused = [batch for batch in batches if batch.refused]
    if refused:  # the other files were loaded; exit 1 all the same
        raise IngestError(f"{len(refused)} of {len(batches)} file(s) refused (above); fix, rerun")
    rejected = [batch for batch in batches if batch.every_row_rejected]
    if rejected:  # a scheduled load fails visibly; such a file is read again next time
        raise IngestError(
            f"{len(rejected)} of {len(batches)} file(s) had every row rejected (the reasons "
            "above); fix the source's settings or the files and run `journeys ingest` again"
        )


_LOG_OPTIONS = (
    option("--case-col", help="Case id column (XES: case:concept:name)."),
    option("--activity-col", help="Activity column (XES: concept:name)."),
    option("--timestamp-col", help="Timestamp column (XES: time:timestamp)."),
    option("--channel-col", help="Channel column (optional; read in lower case)."),
    option(
        "--team-col",
        help="Team or resource column (optional): a change of it inside a case is a handoff "
        "(XES: org:group; --team-col org:resource for its resources).",
    ),
    option("--event-id-col", help="Event id column; without it events are keyed by content."),
    option(
        "--time-col",
        help="CSV, Parquet, JSONL, workbooks: the time of day when the timestamp column holds "
        "only the date (SAP's ERDAT and ERZET); read joined to it with a space, so "
        "--date-format names both, e.g. '%d.%m.%Y %H:%M:%S'.",
    ),
    option("--timezone", help="Timezone of timestamps without an offset (default UTC)."),
    option(
        "--date-format",
        help="CSV, Parquet, JSONL, workbooks: the timestamps' layout when not ISO-8601, in "
        "strptime directives, e.g. '%d/%m/%Y %H:%M' (day first); 'excel' for Excel serial "
        "dates.",
    ),
    option(
        "--encoding",
        help="CSV, JSONL: the file's text encoding when not UTF-8, e.g. cp1252 (Windows "
        "exports) or latin-1.",
    ),
    option(
        "--lifecycle",
        default="complete",
        help="Keep 'complete' events, or 'all' transitions (XES; CSV, Parquet and JSONL with a "
        "lifecycle:transition column or --lifecycle-col).",
    ),
    option(
        "--lifecycle-col",
        help="CSV, Parquet, JSONL, workbooks: the column of the lifecycle transition (start, "
        "complete) "
        "when it is not called lifecycle:transition.",
    ),
    option("--object-type", help="OCEL 2.0: the object type whose objects are cases."),
    option(
        "--sheet",
        help="A workbook (.xlsx, .xls, .ods): the sheet of events, by name or number from 1 "
        "(default the first).",
    ),
    option(
        "--personal-case-ids",
        is_flag=True,
        help="Case ids are personal data: the marts show hashes.",
    ),
    option("--format", "fmt", help="csv|parquet|jsonl|excel|xes|ocel"),
    option(
        "--open-cases-horizon",
        help="The extract is live: cases with an event this recent (e.g. 14d) may be in flight. "
        "Default: a historical log, every case completed.",
    ),
)


def log_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The event log's options (XES, OCEL, CSV columns, time zone) of import-log and analyze,
    and its FILE argument."""
    for decorate in reversed(_LOG_OPTIONS):
        command = decorate(command)
    return click.argument(
        "file",
        type=PATH,
        help="An event log: XES(.gz), OCEL 2.0 (.json, .xml, .sqlite), CSV, Parquet, JSONL or "
        "a workbook (.xlsx, .xls, .ods).",
    )(command)


def log_choices(lifecycle: str, open_cases_horizon: str | None, **given: Any) -> dict[str, Any]:
    """The log options as ``steps.import_event_log`` takes them (usage errors raised here)."""
    from journeys.config import parse_duration

    try:
        horizon = (
            None
            if open_cases_horizon is None
            else parse_duration(open_cases_horizon, field="--open-cases-horizon")
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if lifecycle not in ("complete", "all"):
        raise click.BadParameter(f"'{lifecycle}': use complete or all", param_hint="--lifecycle")
    return {**given, "lifecycle": lifecycle, "open_cases_horizon": horizon}


@app.command("import-log")
@log_options
@config_option
@warehouse_option
@click.pass_context
def import_log(
    ctx: click.Context,
    /,
    file: Path,
    config: Path | None,
    warehouse: Path | None,
    **log: Any,
) -> None:
    """Bring any event log; each case becomes one journey as is.

    XES and OCEL 2.0 need no column flags; CSV, Parquet and JSONL name their columns.
    Re-importing the same events, in any order, changes nothing.

    Example: journeys import-log orders.xes.gz

    Example: journeys import-log helpdesk.csv --case-col case_id --activity-col activity
    --timestamp-col timestamp --timezone Europe/Amsterdam
    """
    from journeys.ingest.xes_parts import prestart

    prestart(file)  # a large XES file's parse children load their libraries beside this one's
    from journeys import steps
    from journeys.errors import IngestError

    options = log_choices(**log)
    result = steps.import_event_log(settings_for(ctx, config, warehouse), file, **options)
    if result.nothing_accepted:
        echo(result.summary(), err=True)  # a script sees the failure, a user the reasons
        raise IngestError(
            "no event was accepted: every row is in raw.rejects with its reason (above); fix "
            "the file or the options and run `journeys import-log` again"
        )
    echo(result.summary())


@app.command()
@log_options
@option("--map", "maps", type=PATH, multiple=True, help="Map YAML; repeatable.")
@option(
    "--map-out",
    type=PATH,
    help="Without --map: where to write the discovered map (default maps/<log name>.yaml).",
)
@coverage_option("Without --map: share of journeys the discovered map should explain.")
@min_share_option(
    "Without --map: a sequence fewer journeys take is not designed into the discovered map "
    "(it stays a departure, ranked as a gap). Default: 0.01.",
    default=None,
)
@config_option
@warehouse_option
@click.pass_context
def analyze(
    ctx: click.Context,
    /,
    file: Path,
    maps: tuple[Path, ...],
    map_out: Path | None,
    coverage: float,
    min_share: float | None,
    config: Path | None,
    warehouse: Path | None,
    **log: Any,
) -> None:
    """An event log to answers in one go: import-log, build and compare in one process,
    published once. Without --map, a first map is discovered from the journeys (as
    suggest-map writes it) and compared against.

    Example: journeys analyze orders.xes.gz

    Example: journeys analyze helpdesk.csv --case-col case_id --activity-col activity
    --timestamp-col timestamp --map maps/helpdesk.yaml
    """
    from journeys.ingest.xes_parts import prestart

    prestart(file)  # a large XES file's parse children load their libraries beside this one's
    from journeys.analyze import analyze_log

    options = log_choices(**log)
    settings = settings_for(ctx, config, warehouse)
    result = analyze_log(
        settings, file, maps, map_out=map_out, coverage=coverage, min_share=min_share, **options
    )
    echo(result.summary())


@app.command()
@config_option
@option("--full", is_flag=True, help="Rebuild every customer.")
@warehouse_option
@click.pass_context
def build(ctx: click.Context, config: Path | None, full: bool, warehouse: Path | None) -> None:
    """Stitch identities, build events, sessions, journeys and the mining marts; publish them.

    Example: journeys build --config data/sample/journeys.yaml
    """
    from journeys import steps

    echo(steps.build_marts(settings_for(ctx, config, warehouse), full=full).summary())


@app.command()
@option("--map", "maps", type=PATH, multiple=True, help="Map YAML; repeatable.")
@option("--full", is_flag=True, help="Compare every journey, not only the changed ones.")
@config_option
@warehouse_option
@click.pass_context
def compare(
    ctx: click.Context,
    maps: tuple[Path, ...],
    full: bool,
    config: Path | None,
    warehouse: Path | None,
) -> None:
    """Align the observed journeys to each assumptive map; write map_* marts, the gap history
    and drift events (only the journeys changed since the last compare, unless --full).

    Example: journeys compare --map data/sample/maps/online_purchase.yaml
    """
    from journeys import steps

    settings = settings_for(ctx, config, warehouse)
    echo(steps.compare_maps(settings, maps, full=full).summary())


@app.command()
@option(
    "--since",
    default="7d",
    help="How far back: periods that ended within it (7d, 24h).",
)
@config_option
@warehouse_option
@click.pass_context
def drift(ctx: click.Context, since: str, config: Path | None, warehouse: Path | None) -> None:
    """Print the drift events of the latest periods: gaps whose share or effect on the goal
    changed beyond chance, and expected shares missed (marts.map_drift).

    Example: journeys drift --since 7d
    """
    from journeys import steps
    from journeys.config import parse_duration

    try:
        seconds = parse_duration(since, field="--since")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    for line in steps.drift_lines(settings_for(ctx, config, warehouse), since_seconds=seconds):
        echo(line)


@app.command()
@option("--out", type=PATH, help="Folder for index.html.")
@option(
    "--map",
    "maps",
    type=PATH,
    multiple=True,
    help="Map YAML; repeatable. Default: the configured maps, else every map "
    "`journeys compare` has written.",
)
@config_option
@warehouse_option
@click.pass_context
def report(
    ctx: click.Context,
    out: Path | None,
    maps: tuple[Path, ...],
    config: Path | None,
    warehouse: Path | None,
) -> None:
    """Write the HTML reports: index.html and one page per map, offline.

    Example: journeys report --out reports
    """
    from journeys import steps

    written = steps.report_maps(settings_for(ctx, config, warehouse), out, maps)
    echo(f"report: {written.index}")
    for name, source, why in written.not_compared:  # the page says so; so does the console
        echo(f"note: map '{name}' {why}: run `journeys compare --map {source}`, then "
             "`journeys report`")  # fmt: skip


@app.command()
@option("--out", type=PATH, required=True, help="Folder for the Parquet files.")
@option("--format", "fmt", default="parquet", help="parquet")
@config_option
@warehouse_option
@click.pass_context
def export(
    ctx: click.Context, out: Path, fmt: str, config: Path | None, warehouse: Path | None
) -> None:
    """Write every published mart as Parquet (large ones partitioned by month).

    Example: journeys export --format parquet --out exports/
    """
    from journeys.export import export_marts
    from journeys.publish import open_published

    with open_published(settings_for(ctx, config, warehouse)) as wh:
        echo(export_marts(wh, out, fmt=fmt).summary())


@app.command("validate-map")
@click.argument("file", type=PATH, help="A map YAML file.")
def validate_map(file: Path) -> None:
    """Check an assumptive map; every error names the file, the field path and the fix.

    Example: journeys validate-map data/sample/maps/online_purchase.yaml
    """
    from journeys.compare.maps import load_map

    echo(f"{file}: ok ({load_map(file).describe()})")


@app.command("suggest-map")
@option(
    "--map",
    "map_file",
    type=PATH,
    help="The assumed map to revise; without it, discover a first map.",
)
@coverage_option("Share of journeys the map should explain.")
@min_share_option(
    "A sequence fewer journeys take is not designed into the map (it stays a departure, "
    "ranked as a gap; pm4py's variant coverage filter). Default: 0.01 when discovering a "
    "map, 0 when revising --map.",
    default=None,
)
@option("--out", type=PATH, help="Where to write the map (default: print it).")
@option("--name", help="Name of a discovered map (default: the --out file's stem).")
@config_option
@warehouse_option
@click.pass_context
def suggest_map(
    ctx: click.Context,
    map_file: Path | None,
    coverage: float,
    min_share: float | None,
    out: Path | None,
    name: str | None,
    config: Path | None,
    warehouse: Path | None,
) -> None:
    """Write a map explaining the journeys that cover a share: a revision of --map (with the
    diff), or, without --map, a first map discovered from the journeys.

    Example: journeys suggest-map --out maps/first.yaml

    Example: journeys suggest-map --map maps/online_purchase.yaml --coverage 0.8 --out new.yaml
    """
    from journeys import steps

    settings = settings_for(ctx, config, warehouse)
    echo(
        steps.suggest_map(
            settings, map_file, coverage=coverage, min_share=min_share, out=out, name=name
        )
    )


@app.command()
@option("--out", type=PATH, default=Path("reports"), help="Folder for the reports.")
@warehouse_option
@click.pass_context
def demo(ctx: click.Context, out: Path, warehouse: Path | None) -> None:
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
@config_option
@option(
    "--partitions",
    type=click.IntRange(min=1),
    help="Build paths in N customer-hash partitions.",
)
@option(
    "--dask-address",
    help="Run the partitions on this Dask scheduler (tcp://host:8786, or 'local').",
)
@warehouse_option
@click.pass_context
def run(
    ctx: click.Context,
    config: Path | None,
    partitions: int | None,
    dask_address: str | None,
    warehouse: Path | None,
) -> None:
    """Run the end-to-end Prefect flow (ingest, build, compare, report) on configured folders.

    Example: journeys run --config data/sample/journeys.yaml --partitions 8 --dask-address tcp://scheduler:8786
    """
    from pipelines.daily import run_daily

    settings = settings_for(
        ctx, config, warehouse, partitions=partitions, dask_address=dask_address
    )
    if settings.dask_address and settings.partitions == 1:
        settings = settings.replace(partitions=2 * (os.cpu_count() or 1))
    echo(run_daily(settings))


@app.command()
@warehouse_option
@click.pass_context
def serve(ctx: click.Context, warehouse: Path | None) -> None:
    """Serve the scheduled deployments of prefect.yaml locally (Ctrl-C stops).

    Example: journeys serve
    """
    from pipelines.serve import serve_deployments

    serve_deployments(warehouse=chosen_warehouse(ctx, warehouse))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        app.main(args=argv, prog_name="journeys", standalone_mode=False)
    except JourneysError as exc:
        echo(str(exc), err=True)
        return 1
    except click.Abort:
        echo("aborted", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:  # usage errors: they know how to show themselves
        exc.show()
        return exc.exit_code
    return 0


def command_line() -> None:  # pragma: no cover - it ends the process
    """The ``journeys`` command (``python -m journeys.cli``; the installed script and ``python -m
    journeys`` run it through ``launch.py``, with mimalloc): ``main``, then the end of the
    process without the interpreter's final garbage collection and module teardown (30-70 ms of
    every command; skipping only the collection, with ``gc.freeze()``, makes DuckDB's bindings
    print leak warnings at the teardown): the exit handlers run, the output is flushed, and the
    process ends. A command that started Prefect or left a thread running ends the usual way,
    which waits for them.

    The cyclic garbage collector runs after every 100,000 new objects instead of 700: each of
    its passes walks the libraries' objects too, and a compare of 1,000 events made 130 of
    them (33 ms of 0.72 s; the three commands of a 250,000-event log, 50 ms). The data lives in
    DuckDB and Arrow buffers, not in Python objects, so the memory this holds back is small; a
    long-running ``serve`` still collects, only less often."""
    gc.set_threshold(100_000, 20, 10)
    code = main()
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if others or "prefect" in sys.modules:
        sys.exit(code)
    atexit._run_exitfuncs()  # logging, temporary files, what libraries registered
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a reader that went away (`| head -1`)
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    command_line()
