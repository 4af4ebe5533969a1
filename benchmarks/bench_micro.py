"""``make bench`` (micro): a 10,000-event batch lands on a 10M-event warehouse; how long until
its marts and gaps are published?

    python benchmarks/bench_micro.py [--data /work/bench-data] [--events 10M] [--batch 10000]
                                     [--memory-limit 4GB] [--keep] [--write-doc]

1. ``journeys generate`` writes the shop (about ``--events`` event rows) into ``DATA/shop``.
2. The newest ``--batch`` events of the three event sources (by occurred_at) are held back as
   the micro-batch; every other row, the CRM and the late drop are the landing's first delivery
   (``DATA/landing``, the sample's journeys.yaml and maps).
3. The 10M warehouse: ingest, build, compare and publish, each stage in its own process.
4. The batch's files are dropped into the landing folder and the micro-batch runs in its own
   process: the steps of journeys-micro (ingest-new, the incremental build, compare of the
   changed journeys, publish), timed from the first file read to the published marts. Then the
   same on a copy of the warehouse through the journeys-micro flow itself, on a Prefect server
   started before the clock (as the deployment runs it).

Wall seconds, CPU-seconds and peak RSS per stage (``benchmarks/run.py``'s ``run_stage``), and the
machine's load average. ``--write-doc`` writes the table into docs/benchmarks.md. The data stays
under ``--data`` (outside the repository) only with ``--keep``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402
    DOC,
    ROOT,
    StageFailed,
    generate_command,
    landing_rows,
    parse_size,
    run_stage,
    write_config,
)

BEGIN, END = "<!-- micro:begin -->", "<!-- micro:end -->"
SOURCES = {  # file -> (format, time zone of naive timestamps)
    "transactions.csv": ("csv", "UTC"),
    "support_interactions.csv": ("csv", "Europe/Berlin"),
    "web_events.jsonl": ("jsonl", "UTC"),
}
MICRO_STEPS = (
    "import time; from journeys import steps; t = [time.perf_counter()]; "
    "new = steps.ingest_new_files(s); t.append(time.perf_counter()); "
    "b = steps.build_marts(s, publish=False); t.append(time.perf_counter()); "
    "c = steps.compare_maps(s, publish=False); t.append(time.perf_counter()); "
    "steps.publish(s); t.append(time.perf_counter()); "
    "took = [round(b - a, 2) for a, b in zip(t, t[1:])]; "
    "print(sum(x.rows_accepted for x in new.batches), 'events;', b.rebuilt_customers, "
    "'customers rebuilt;', c.changed, 'journeys compared;', c.drift.height, 'drift events; "
    "seconds: ingest-new', took[0], 'build', took[1], 'compare', took[2], 'publish', took[3])"
)
MICRO_FLOW = (
    "import time; from prefect.testing.utilities import prefect_test_harness; "
    "from pipelines.micro import journeys_micro; from pipelines.params import MicroParams; "
    "h = prefect_test_harness(server_startup_timeout=None); h.__enter__(); "
    "started = time.perf_counter(); run = journeys_micro(MicroParams(settings=s)); "
    "took = time.perf_counter() - started; h.__exit__(None, None, None); "
    "print(f'flow run {took:.2f} s (server started before);', run.compare.text.splitlines()[-1])"
)


def occurred(row_time: str, zone: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(row_time.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=ZoneInfo(zone)) if when.tzinfo is None else when


def times(path: Path, fmt: str, zone: str) -> Iterator[datetime | None]:
    """Each record's occurred_at (None when it does not parse: it stays in the first delivery)."""
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            reader = csv.reader(handle)
            at = next(reader).index("occurred_at")
            for row in reader:
                yield occurred(row[at], zone) if len(row) > at else None
        else:
            for line in handle:
                try:
                    yield occurred(json.loads(line)["occurred_at"], zone)
                except (ValueError, KeyError, TypeError):
                    yield None


def split(shop: Path, landing: Path, batch: Path, size: int) -> datetime:
    """Copy the shop into ``landing``, less its newest ``size`` events, which go to ``batch``
    (same file names and formats). Returns the cut-off time."""
    stamps = sorted(
        t.timestamp() for name, (fmt, zone) in SOURCES.items()
        for t in times(shop / name, fmt, zone) if t is not None
    )  # fmt: skip
    cut = stamps[-size]
    for path in shop.rglob("*"):
        if path.is_file() and not (path.parent == shop and path.name in SOURCES):
            target = landing / path.relative_to(shop)  # the CRM, the late drop, ground truth
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for name, (fmt, zone) in SOURCES.items():
        _split_file(shop / name, landing / name, batch / name, fmt, zone, cut)
    return datetime.fromtimestamp(cut, tz=UTC)


def _split_file(source: Path, first: Path, later: Path, fmt: str, zone: str, cut: float) -> None:
    later.parent.mkdir(parents=True, exist_ok=True)
    with (
        source.open(encoding="utf-8", newline="") as handle,
        first.open("w", encoding="utf-8", newline="") as early,
        later.open("w", encoding="utf-8", newline="") as late,
    ):
        stamps = times(source, fmt, zone)
        if fmt == "csv":
            reader = csv.reader(handle)
            header = next(reader)
            writers = csv.writer(early), csv.writer(late)
            for w in writers:
                w.writerow(header)
            for row, when in zip(reader, stamps, strict=True):
                writers[when is not None and when.timestamp() >= cut].writerow(row)
        else:
            for line, when in zip(handle, stamps, strict=True):
                (late if when is not None and when.timestamp() >= cut else early).write(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--events", default="10M")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--memory-limit", default=None, help="for the 10M warehouse's stages")
    parser.add_argument("--keep", action="store_true", help="keep the data afterwards")
    parser.add_argument(
        "--again", action="store_true", help="time the micro-batch again on kept data"
    )
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    events = parse_size(args.events)
    data = args.data / f"micro-{events}"
    saved = data / "setup.json"
    results: list[dict] = []
    try:
        if args.again:  # the warehouse's stages as the run that built it measured them
            setup = json.loads(saved.read_text())
            before = ROOT / "benchmarks" / "out" / "micro.json"
            if before.is_file():
                results += [r for r in json.loads(before.read_text())["stages"]
                            if not r["stage"].startswith("micro")]  # fmt: skip
        else:
            setup = _warehouse(data, events, args.batch, args.memory_limit, results)
            saved.write_text(json.dumps(setup))
        micro, flow = _micro(data, Path(setup["config"]), results)
    except StageFailed as failed:
        print(failed, flush=True)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    summary = {**setup, "batch_events": args.batch, "stages": results, "micro": micro,
               "flow": flow}  # fmt: skip
    (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    (ROOT / "benchmarks" / "out" / "micro.json").write_text(json.dumps(summary, indent=2))
    if args.write_doc:
        write_doc(summary)
    return 0


ENV = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _run(name: str, argv: list[str], results: list[dict]) -> dict:
    stage = run_stage(name, argv, ENV)
    results.append(stage)
    print(
        f"{name:<14} {stage['seconds']:>8.2f} s {stage['cpu_seconds']:>8.2f} CPU-s "
        f"{stage['peak_rss_mib']:>7,} MiB load {stage['load_average']}  {stage['output']}",
        flush=True,
    )
    return stage


def _setup(config: Path, warehouse: Path, **extra: object) -> str:
    return (
        "from pathlib import Path; from journeys.config import load_settings; "
        f"s = load_settings(Path({str(config)!r}), warehouse=Path({str(warehouse)!r}), "
        f"reports=Path({str(warehouse.parent / 'reports')!r}), **{extra!r}); "
    )


def _warehouse(
    data: Path, events: int, batch_size: int, memory_limit: str | None, results: list[dict]
) -> dict:
    """Generate the shop, hold back the batch, build the warehouse (``data/base``) and put the
    batch's files in the landing folder, where the next run finds them new."""
    if data.exists():
        shutil.rmtree(data)
    shop, landing, batch = data / "shop", data / "landing", data / "batch"
    _run("generate", generate_command(events, shop), results)
    rows = landing_rows(shop)
    cut = split(shop, landing, batch, batch_size)
    shutil.rmtree(shop)
    config = write_config(landing, 1)
    limit = {"memory_limit": memory_limit} if memory_limit else {}
    code = {
        "ingest": "from journeys import steps; print(len(steps.ingest_landing(s)))",
        "build": "from journeys import steps; print(steps.build_marts(s, publish=False).summary())",
        "compare": "from journeys import steps; print(steps.compare_maps(s).summary())",
    }
    for name, stage in code.items():
        setup = _setup(config, data / "base" / "journeys.duckdb", **limit)
        _run(name, [sys.executable, "-c", setup + stage], results)
    shutil.move(batch, landing / "batch")
    return {"events": rows, "cut": cut.isoformat(), "config": str(config)}


def _micro(data: Path, config: Path, results: list[dict]) -> tuple[dict, dict]:
    """The micro-batch on fresh copies of the base warehouse: its steps, then its flow."""
    timed = []
    for name, code in (("micro (steps)", MICRO_STEPS), ("micro (flow)", MICRO_FLOW)):
        copy = data / "runs" / name.split()[1].strip("()")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(data / "base", copy)
        # the copy's gigabytes (and the base build's just before) are written back now, not
        # while the clock runs (alone, this harness's steps 57.3 s before, 48.3 / 51.2 s with
        # it; docs/benchmarks.md, #19, on what else moves them on this machine)
        os.sync()
        print(f"load average before {name}: {os.getloadavg()[0]:.2f}", flush=True)
        setup = _setup(config, copy / "journeys.duckdb")
        timed.append(_run(name, [sys.executable, "-c", setup + code], results))
        shutil.rmtree(copy)
    return timed[0], timed[1]


def write_doc(summary: dict) -> None:
    """The micro-batch table between the markers of docs/benchmarks.md."""
    lines = [
        f"{summary['events']:,} event rows generated; the newest {summary['batch_events']:,} "
        f"(from {summary['cut'][:19]} UTC on) held back as the micro-batch. Written "
        f"{datetime.now(UTC):%Y-%m-%d} by `python benchmarks/bench_micro.py --write-doc`.",
        "",
        "| stage | seconds | CPU-seconds | peak RSS (MiB) | load | what it printed |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for s in summary["stages"]:  # the flow's process also starts a Prefect server: see its text
        said = str(s["output"])
        said = said if s["stage"].startswith("micro") else said[:120]  # the micro steps' seconds
        lines.append(
            f"| {s['stage']} | {s['seconds']} | {s['cpu_seconds']} | {s['peak_rss_mib']:,} | "
            f"{s['load_average']} | {said.replace('|', '/')} |"
        )
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + BEGIN + "\n\n" + "\n".join(lines) + "\n\n" + END + tail)


if __name__ == "__main__":
    sys.exit(main())
