"""``make bench``: time every pipeline stage on generated data, with peak memory per stage.

Each stage runs in its own process (the way a scheduler runs it), so its wall time and peak RSS
are its own: generate, ingest, build (identity, events, sessions, journeys, mining), compare
(both sample maps), report. Results go to ``benchmarks/out/results.json`` and, with
``--write-doc``, to the stage table in ``docs/benchmarks.md`` (``--append-doc`` adds rows to the
table's previous runs, e.g. the same size with ``--partitions``).

    python benchmarks/run.py                      # 1M events
    python benchmarks/run.py --sizes 1M,10M       # as the issue asks
    python benchmarks/run.py --sizes 100M --chunk-events 5M --memory-limit 7GB \
        --partitions 16 --temp-directory /tmp/spill --max-rss 12GiB
                                                  # opt-in: 15-20 minutes on 2 cores

Sizes above ``--chunk-events`` (default 10M) are generated in chunks (``journeys generate
--chunks``: one folder per chunk, ids unique across them, each file one ingest batch), so the
generator's memory follows the chunk, not the total. Without ``--keep`` the generated files are
deleted as soon as ingest has loaded them (100M events are about 18 GB of CSV/JSONL). Each
stage's figures are saved in ``benchmarks/out/<events>/stages.json`` as soon as it ends;
``--from-stage build`` re-runs a size from that stage on, keeping the earlier stages' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_pm4py import command_env  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
EVENTS_PER_CUSTOMER = 26.6  # measured on the generator's output
DOC = ROOT / "docs" / "benchmarks.md"
CHUNK_EVENTS = 10_000_000
STAGES = ("generate", "floor", "ingest", "build", "compare", "report")
FLOOR_TARGET = 3.0
"""Issue #21: ingest -> compare at most this many times the floor measured in the same run."""
BEGIN, END = "<!-- stages:begin -->", "<!-- stages:end -->"

# The build leaves publishing to the compare stage, as the journeys-daily flow does (it publishes
# once, after both): publishing the build's marts and then again after compare counted one
# copy of every mart twice.
STAGE_CODE = {
    "ingest": "from journeys import steps; print(len(steps.ingest_landing(s{tasks})))",
    "build": (
        "from journeys import steps; "
        "print(steps.build_marts(s, full=True, publish=False{tasks}).summary())"
    ),
    "compare": (
        "from journeys import steps; print(steps.compare_maps(s, full=True{tasks}).summary())"
    ),
    "report": "from journeys import steps; print(steps.write_reports(s))",
}
"""{tasks}: the stage's jobs run with --runner's runner (benchmarks/bench_runner.py). build and
compare do their whole work (``full=True``: on a new warehouse the same as without; on one that
``--from-stage`` resumes, not a step that finds nothing new)."""


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KkMm]?)", text.strip())
    if not match:
        raise SystemExit(f"--sizes: '{text}' is not a size such as 1M or 250K")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def parse_mib(text: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(MiB|GiB|MB|GB)", text.strip(), flags=re.I)
    if not match:
        raise SystemExit(f"--max-rss: '{text}' is not a size such as 12GiB or 900MiB")
    scale = {"mib": 1, "mb": 1, "gib": 1024, "gb": 1024}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def chunk_count(events: int, chunk_events: int = CHUNK_EVENTS) -> int:
    """Generator runs for ``events``: 1 up to ``chunk_events``, then one per ``chunk_events``."""
    return max(1, -(-events // chunk_events))


def generate_command(events: int, out: Path, *, chunk_events: int = CHUNK_EVENTS) -> list[str]:
    """The `journeys generate` call that writes about ``events`` event rows into ``out``
    (in chunks above ``chunk_events``)."""
    customers = max(1, round(events / EVENTS_PER_CUSTOMER))
    chunks = chunk_count(events, chunk_events)
    return [
        sys.executable,
        "-m",
        "journeys.cli",
        "generate",
        "--customers",
        str(customers),
        "--seed",
        "11",
        "--out",
        str(out),
        *(["--chunks", str(chunks)] if chunks > 1 else []),
    ]


def rss_mib(pid: int) -> int:
    """Resident memory of a running process (VmRSS), 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def watch_rss(proc: subprocess.Popen, limit_mib: int, exceeded: list[int]) -> None:
    """Kill the stage as soon as its resident memory passes ``limit_mib`` (the machine is
    shared: a stage must fail, not push other people's processes into the OOM killer)."""
    while proc.poll() is None:
        now = rss_mib(proc.pid)
        if now > limit_mib:
            exceeded.append(now)
            proc.kill()
            return
        time.sleep(0.5)


def run_stage(
    name: str, argv: list[str], env: dict[str, str], *, max_rss_mib: int | None = None
) -> dict[str, float | str]:
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    exceeded: list[int] = []
    if max_rss_mib:
        threading.Thread(target=watch_rss, args=(proc, max_rss_mib, exceeded), daemon=True).start()
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if exceeded:
        raise StageFailed(
            name,
            f"killed after {seconds:.0f} s ({usage.ru_utime + usage.ru_stime:.0f} CPU-s): "
            f"resident memory {exceeded[0]:,} MiB passed --max-rss {max_rss_mib:,} MiB",
        )
    if proc.returncode != 0:
        raise StageFailed(name, f"exit code {proc.returncode}:\n{output[-3000:]}")
    return {
        "stage": name,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
        "output": output.strip().splitlines()[-1] if output.strip() else "",
    }


class StageFailed(SystemExit):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"stage {stage} failed: {reason}")
        self.stage, self.reason = stage, reason


def shown_setting(value: object) -> str:
    """A setting as the doc table shows it: paths inside the checkout relative to it."""
    text = str(value)
    try:
        return str(Path(text).resolve().relative_to(ROOT))
    except ValueError:
        return text


def landing_rows(landing: Path) -> int:
    """Event rows generated (both deliveries), from chunks.json or ground_truth.json."""
    chunks = landing / "chunks.json"
    if chunks.exists():
        return int(json.loads(chunks.read_text())["event_rows"])
    truth = json.loads((landing / "ground_truth.json").read_text())
    return sum(truth["counts"]["rows"].values())


def delete_generated(landing: Path) -> None:
    """The generated sources, once loaded; the configuration and maps stay for compare."""
    for path in landing.iterdir():
        if path.name in ("journeys.yaml", "maps", "chunks.json", "ground_truth.json"):
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def write_config(landing: Path, chunks: int) -> Path:
    landing.mkdir(parents=True, exist_ok=True)
    config = landing / "journeys.yaml"
    text = (ROOT / "data" / "sample" / "journeys.yaml").read_text()
    if chunks > 1:  # one customers.csv per chunk folder
        text = text.replace('path: "customers.csv"', 'path: "**/customers*.csv"')
    config.write_text(text)
    if not (landing / "maps").exists():
        shutil.copytree(ROOT / "data" / "sample" / "maps", landing / "maps")
    return config


def bench_size(
    events: int,
    *,
    keep: bool,
    runner: str | None = None,
    overrides: dict[str, object] | None = None,
    chunk_events: int = CHUNK_EVENTS,
    from_stage: str = "generate",
    max_rss_mib: int | None = None,
) -> dict:
    customers = max(1, round(events / EVENTS_PER_CUSTOMER))
    chunks = chunk_count(events, chunk_events)
    folder = OUT / f"{events}"
    saved = folder / "stages.json"
    done: list[dict] = []
    if from_stage != "generate":
        if not saved.exists():
            raise SystemExit(f"--from-stage {from_stage}: no earlier run in {folder}")
        earlier = json.loads(saved.read_text())
        done = [s for s in earlier if STAGES.index(s["stage"]) < STAGES.index(from_stage)]
        if STAGES.index(from_stage) <= STAGES.index("ingest"):  # ingest into a new warehouse:
            for kept in ("wh", "reports"):  # in the old one it finds every file loaded
                shutil.rmtree(folder / kept, ignore_errors=True)
    elif folder.exists():
        shutil.rmtree(folder)
    landing = folder / "landing"
    env = command_env()
    py = sys.executable
    stages = list(done)

    def record(stage: dict) -> None:
        stages.append(stage)
        saved.write_text(json.dumps(stages, indent=2))
        print(
            f"{events:>11,} events  {stage['stage']:<9} {stage['seconds']:>8.2f} s "
            f"{stage['cpu_seconds']:>8.2f} CPU-s {stage['peak_rss_mib']:>7,} MiB "
            f"load {stage.get('load_average', '')}",
            flush=True,
        )

    def run(name: str, argv: list[str]) -> None:
        try:
            record(run_stage(name, argv, env, max_rss_mib=max_rss_mib))
        except StageFailed as failed:
            saved.write_text(json.dumps([*stages, {"stage": name, "failed": failed.reason}]))
            raise

    if from_stage == "generate":
        folder.mkdir(parents=True)
        run("generate", generate_command(events, landing, chunk_events=chunk_events))
        (folder / "event_rows.txt").write_text(str(landing_rows(landing)))
        # the generated files (1.9 GB at 10M) are written back now, not while the floor and the
        # ingest are timed (bench_micro.py found such a writeback adding 8-13 s to a build)
        os.sync()
    if STAGES.index(from_stage) <= STAGES.index("floor") and chunks == 1:
        # the least any design does for these files, timed in the same run (floor_sketch.py)
        run("floor", [py, str(ROOT / "benchmarks" / "floor_sketch.py"), str(landing)])
    config = write_config(landing, chunks)
    setup = (
        "from pathlib import Path; from journeys.config import load_settings; "
        f"s = load_settings(Path({str(config)!r}), "
        f"warehouse=Path({str(folder / 'wh' / 'journeys.duckdb')!r}), "
        f"reports=Path({str(folder / 'reports')!r}), **{overrides or {}!r}); "
    )
    failed = None
    if runner:
        bench = str(ROOT / "benchmarks")
        setup += (
            f"import sys; sys.path.insert(0, {bench!r}); from bench_runner import runner; "
            f"run_tasks = runner({runner!r}); "
        )
    for name, code in STAGE_CODE.items():
        if STAGES.index(name) < STAGES.index(from_stage):
            continue
        try:
            tasks = ", run_tasks=run_tasks" if runner else ""
            env["JOURNEYS_BENCH_JOBS"] = str(folder / f"jobs-{name}.json")
            run(name, [py, "-c", setup + code.format(tasks=tasks)])
        except StageFailed as stop:
            print(stop, flush=True)
            stages.append({"stage": name, "failed": stop.reason})
            failed = name
            break
        if name == "ingest" and not keep:
            delete_generated(landing)
    event_rows = int((folder / "event_rows.txt").read_text())
    pipeline = [
        s for s in stages if s["stage"] in ("ingest", "build", "compare") and "failed" not in s
    ]
    seconds = sum(float(s["seconds"]) for s in pipeline)
    floor = next((s for s in stages if s["stage"] == "floor" and "failed" not in s), None)
    cpu = sum(float(s["cpu_seconds"]) for s in pipeline)
    result = {
        "floor_seconds": float(floor["seconds"]) if floor else None,
        "floor_ratio": round(seconds / float(floor["seconds"]), 2) if floor and seconds else None,
        # CPU-seconds against CPU-seconds: the ratio the shared machine's load disturbs least
        "floor_cpu_ratio": round(cpu / float(floor["cpu_seconds"]), 2) if floor and cpu else None,
        "events_requested": events,
        "event_rows": event_rows or events,
        "customers": customers,
        "stages": stages,
        "ingest_to_compare_seconds": round(seconds, 2),
        "ingest_to_compare_cpu_seconds": round(sum(float(s["cpu_seconds"]) for s in pipeline), 2),
        "events_per_second": round((event_rows or events) / seconds) if seconds else 0,
        "failed": failed,
        "chunks": chunks,
        "settings": {
            **({"chunks": str(chunks)} if chunks > 1 else {}),
            **{k: shown_setting(v) for k, v in (overrides or {}).items()},
            **({"runner": runner} if runner else {}),
        },
    }
    if not keep:
        shutil.rmtree(folder / "landing", ignore_errors=True)
    return result


def write_doc(results: list[dict]) -> None:
    """Replace the stage table of docs/benchmarks.md with these results."""
    lines = [
        BEGIN,
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; table written "
        f"{time.strftime('%Y-%m-%d')} by `python benchmarks/run.py --write-doc` / "
        "`--append-doc` (sizes and settings per row; load = the machine's 1-minute load "
        "average during the stage, – where not recorded).",
        "",
        "| events | customers | settings | stage | seconds | CPU-seconds | peak RSS (MiB) | load |",
        "|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        how = ", ".join(f"{k}={v}" for k, v in r.get("settings", {}).items()) or "defaults"
        for s in r["stages"]:
            if "failed" in s:
                lines.append(
                    f"| {r['event_rows']:,} | {r['customers']:,} | {how} | {s['stage']} "
                    f"| **failed**: {s['failed'].splitlines()[0]} | | | |"
                )
                continue
            lines.append(
                f"| {r['event_rows']:,} | {r['customers']:,} | {how} | {s['stage']} "
                f"| {s['seconds']} | {s.get('cpu_seconds', '')} | {s['peak_rss_mib']:,} "
                f"| {s.get('load_average', '–')} |"
            )
        failed = [s["stage"] for s in r["stages"] if "failed" in s]
        done = [s["stage"] for s in r["stages"] if s["stage"] in ("ingest", "build", "compare")]
        done = [name for name in done if name not in failed]
        if not done:
            continue
        total = "**ingest → compare**" if not failed else f"**ingest → {done[-1]}** (not compare)"
        ratio = r.get("floor_ratio")
        against = f", **{ratio}× the floor**" if ratio else ""
        cpu_ratio = r.get("floor_cpu_ratio")
        cpu_against = f" ({cpu_ratio}× the floor's)" if cpu_ratio else ""
        lines.append(
            f"| {r['event_rows']:,} | {r['customers']:,} | {how} | {total} | "
            f"**{r['ingest_to_compare_seconds']}** ({r['events_per_second']:,} events/s{against}) "
            f"| {r.get('ingest_to_compare_cpu_seconds', '')}{cpu_against} | | |"
        )
    lines += ["", END]
    write_block(lines, begin=BEGIN, end=END, heading="## Pipeline stages (`make bench`)")


def write_block(lines: list[str], *, begin: str, end: str, heading: str) -> None:
    """Put ``lines`` (the block, its markers ``begin`` and ``end`` included) into
    docs/benchmarks.md in place of the block between those markers, or append it under
    ``heading`` where the markers are not there yet."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    block = "\n".join(lines)
    if begin in doc:
        doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc += f"\n{heading}\n\n" + block + "\n"
    DOC.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1M", help="comma-separated event counts, e.g. 1M,10M")
    parser.add_argument("--keep", action="store_true", help="keep the generated landing files")
    parser.add_argument("--write-doc", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--append-doc", action="store_true", help="add these runs to the table's previous runs"
    )
    parser.add_argument("--partitions", type=int, help="build in N customer-hash partitions")
    parser.add_argument(
        "--runner",
        help="run the stages' jobs with this runner (benchmarks/bench_runner.py): "
        "'here', 'threads' or 'dask:N' (a local Dask cluster of N worker processes)",
    )
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 8GB (spills beyond)")
    parser.add_argument("--temp-directory", help="where DuckDB spills")
    parser.add_argument(
        "--chunk-events",
        default="10M",
        help="generate sizes above this in chunks of about this many events (default 10M)",
    )
    parser.add_argument(
        "--max-rss",
        help="kill a stage whose resident memory passes this (e.g. 12GiB) and stop",
    )
    parser.add_argument(
        "--from-stage",
        choices=STAGES,
        default="generate",
        help="resume one size from this stage (keeps the earlier stages' figures; from floor or "
        "ingest on a new warehouse)",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run benchmarks/baseline_pm4py.py (pm4py in a throwaway venv)",
    )
    parser.add_argument("--baseline-size", default="1M", help="generated log for --baseline")
    args = parser.parse_args()
    overrides: dict[str, object] = {}
    if args.partitions:
        overrides["partitions"] = args.partitions
    if args.memory_limit:
        overrides["memory_limit"] = args.memory_limit
    if args.temp_directory:
        overrides["temp_directory"] = args.temp_directory
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        result = bench_size(
            parse_size(size),
            keep=args.keep,
            overrides=overrides,
            chunk_events=parse_size(args.chunk_events),
            from_stage=args.from_stage,
            max_rss_mib=parse_mib(args.max_rss) if args.max_rss else None,
            runner=args.runner,
        )
        results.append(result)
        for s in result["stages"]:
            print(f"{s['stage']:<9} {s.get('output', s.get('failed', ''))[:160]}")
        ratio = f", {result['floor_ratio']}× the floor" if result["floor_ratio"] else ""
        print(
            f"{'':>11}         ingest→compare {result['ingest_to_compare_seconds']} s, "
            f"{result['events_per_second']:,} events/s{ratio}"
        )
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    if args.write_doc or args.append_doc:
        history = OUT / "doc_results.json"
        if args.append_doc and history.exists():
            results = json.loads(history.read_text()) + results
        history.write_text(json.dumps(results, indent=2))
        write_doc(results)
    if args.baseline:
        import baseline_pm4py

        extra = ["--write-doc"] if args.write_doc else []
        baseline_pm4py.main(["--generated", args.baseline_size, *extra])


if __name__ == "__main__":
    main()
