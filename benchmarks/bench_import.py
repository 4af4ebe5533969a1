"""Your own log to answers: ``import-log`` of a generated XES.gz, then build and compare, against
pm4py on the same file (``make bench``; issue #17).

1. writes a help-desk-like XES.gz of ``--events`` events (250,000 by default; each case a
   ticket: register, triage or auto-assign, work (repeated), maybe escalate or ask the
   customer, resolve, maybe reopen, close; ``lifecycle:transition`` and ``org:resource`` on
   every event), deterministic for a seed;
2. derives a DFG model from it (``baseline_pm4py.derive_model``) and writes the same model as a
   journeys map, so both tools align against one model;
3. times journeys as a user runs it, each command in a fresh process, no configuration:
   ``journeys import-log FILE`` (no flags), ``journeys build``, ``journeys compare --map`` —
   file → answers, the issue's figure — and the same in one command, ``journeys analyze FILE
   --map`` (one process, one open of the work file, one publish), in a warehouse of its own;
   plus ``analyze`` without ``--map`` (it discovers the map), ``suggest-map`` and ``report``;
   and, to show the floor, the interpreter with ``import journeys.cli`` alone and the rustxes
   parse alone. ``--repeat N`` runs every command N times (each three-command run in a fresh
   warehouse) and keeps each one's median;
4. times pm4py (in the throwaway venv of ``baseline_pm4py``): ``read_xes``, ``discover_dfg``,
   ``get_variants`` and DFG alignments, in one process (the import of pm4py outside the clock),
   twice: with its own XES parser (iterparse, what pm4py reads with when rustxes is missing)
   and as pm4py recommends at import, with rustxes installed (then ``read_xes`` uses it);
5. writes ``benchmarks/out/import.json`` and, with ``--write-doc``, its block of the "Own log"
   section of docs/benchmarks.md (``<!-- import:begin -->`` for 1M events, ``<!-- import-250K:begin
   -->`` for issue #17's 250,000, and so on).

    .venv/bin/python benchmarks/bench_import.py --write-doc
    .venv/bin/python benchmarks/bench_import.py --events 25K --no-pm4py
    .venv/bin/python benchmarks/bench_import.py --events 250K --repeat 3 --write-doc
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_pm4py import (  # noqa: E402
    OUT,
    command_env,
    derive_model,
    ensure_venv,
    run_timed,
    write_map,
)
from run import parse_size, write_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- import:begin -->", "<!-- import:end -->"
"""The doc's block for 1M events (``make bench``, against pm4py); other sizes get their own
block, ``<!-- import-250K:begin -->`` for issue #17's 250,000 events."""


def size_label(events: int) -> str:
    """250K, 1M: the ``--events`` value that gives ``events``."""
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    return f"{events // 1000}K" if events % 1000 == 0 else str(events)


def markers(events: int) -> tuple[str, str]:
    if events == 1_000_000:
        return BEGIN, END
    size = size_label(events)
    return f"<!-- import-{size}:begin -->", f"<!-- import-{size}:end -->"


FOLDER = OUT / "import"
TARGET_SECONDS = 3.0
"""Issue #17: file -> answers at 250,000 events."""
THREE = ("import-log", "build", "compare")
"""The issue's file -> answers: the three commands a user types, each in its own process."""
TARGET_SPEED_UP = 10.0
"""Issue #21: file -> answers at least this many times faster than pm4py (1M events)."""

PM4PY_XES_WORKER = r"""
import json, resource, sys, time
import pm4py
from pm4py.algo.conformance.alignments.dfg import algorithm as dfg_alignment

log_path, model_path, out_path, parser = sys.argv[1:5]
from pm4py.util.rustxes_utils import get_rustxes_backend_name
model = json.load(open(model_path))
timings = {}

def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime

def timed(name, fn):
    t, c = time.perf_counter(), cpu()
    result = fn()
    timings[name] = {"seconds": time.perf_counter() - t, "cpu_seconds": cpu() - c}
    return result

# "default": pm4py's own choice (rustxes when installed, as pm4py recommends at import);
# "iterparse": its parser without rustxes (DEFAULT_XES_PARSER)
variant = None if parser == "default" else parser
used = (get_rustxes_backend_name() or "iterparse") if variant is None else variant
df = timed("read_xes", lambda: pm4py.read_xes(log_path, variant=variant))
dfg, sa, ea = timed("discover_dfg", lambda: pm4py.discover_dfg(df))
variants = timed("variants", lambda: pm4py.get_variants(df))
model_dfg = {(a, b): c for a, b, c in model["edges"]}
model_sa = {a: 1 for a in model["starts"]}
model_ea = {a: 1 for a in model["ends"]}
aligned = timed("alignments", lambda: dfg_alignment.apply(df, model_dfg, model_sa, model_ea))
json.dump({"version": pm4py.__version__, "parser": used, "timings": timings, "events": len(df),
           "variants": len(variants), "dfg_edges": len(dfg),
           "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024},
          open(out_path, "w"))
"""


def ticket(rng: random.Random) -> list[str]:
    steps = ["Register request", "Triage" if rng.random() < 0.7 else "Auto-assign"]
    steps += ["Work on request"] * rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.2:
        steps += ["Escalate", "Work on request"]
    if rng.random() < 0.1:
        steps.append("Ask customer")
    steps.append("Resolve")
    if rng.random() < 0.05:
        steps += ["Reopen", "Resolve"]
    return [*steps, "Close"]


def write_xes(path: Path, events: int, *, seed: int = 17) -> int:
    """A gzipped XES log of exactly ``events`` events; returns the number of cases."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    written = cases = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
        )
        while written < events:
            cases += 1
            steps = ticket(rng)[: events - written]
            at = start + timedelta(minutes=rng.randrange(0, 525600))
            out.write(f'<trace><string key="concept:name" value="T-{cases:07d}"/>\n')
            for step in steps:
                at += timedelta(minutes=rng.randrange(5, 3000))
                out.write(
                    f'<event><string key="concept:name" value="{step}"/>'
                    '<string key="lifecycle:transition" value="complete"/>'
                    f'<string key="org:resource" value="agent-{rng.randrange(20):02d}"/>'
                    f'<date key="time:timestamp" value="{at:%Y-%m-%dT%H:%M:%S}.000+00:00"/>'
                    "</event>\n"
                )
            written += len(steps)
            out.write("</trace>\n")
        out.write("</log>\n")
    return cases


def as_csv(xes: Path, csv: Path) -> None:
    """The log as the CSV ``derive_model`` reads (outside every clock)."""
    import rustxes

    frame, _ = rustxes.import_xes(str(xes))
    frame.select(
        frame["case:concept:name"].alias("case_id"),
        frame["concept:name"].alias("activity"),
        frame["time:timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").alias("timestamp"),
    ).write_csv(csv)


def run_journeys(log: Path, map_file: Path, folder: Path, *, repeat: int = 1) -> dict[str, dict]:
    """Each command in a fresh process, as a user types it; nothing configured. Every round
    starts from empty warehouses; the median round of each command is kept."""
    rounds = [_journeys_round(log, map_file, folder) for _ in range(repeat)]
    timings = {}
    for name in rounds[0]:
        runs = sorted((r[name] for r in rounds), key=lambda t: t["seconds"])
        timings[name] = runs[len(runs) // 2] | {"runs": [t["seconds"] for t in runs]}
    return timings


def _journeys_round(log: Path, map_file: Path, folder: Path) -> dict[str, dict]:
    for old in ("wh", "wh-analyze", "wh-discover", "reports", "maps"):
        shutil.rmtree(folder / old, ignore_errors=True)
    env = command_env()

    def cli(warehouse: str) -> list[str]:
        # ``-m journeys``: as the installed ``journeys`` script starts a command (launch.py)
        return [sys.executable, "-m", "journeys", "--warehouse", str(folder / warehouse)]

    three = cli("wh/journeys.duckdb")
    commands = {
        "python + import journeys.cli": [sys.executable, "-c", "import journeys.cli"],
        "rustxes parse alone": [
            sys.executable,
            "-c",
            f"import rustxes; rustxes.import_xes({str(log)!r})",
        ],
        "import-log": [*three, "import-log", str(log)],
        "build": [*three, "build"],
        "compare": [*three, "compare", "--map", str(map_file)],
        "analyze": [
            *cli("wh-analyze/journeys.duckdb"),
            "analyze",
            str(log),
            "--map",
            str(map_file),
        ],
        "analyze (discovers the map)": [
            *cli("wh-discover/journeys.duckdb"),
            "analyze",
            str(log),
            "--map-out",
            str(folder / "maps" / "first.yaml"),
        ],
        "suggest-map": [*three, "suggest-map", "--out", str(folder / "first.yaml")],
        "report": [*three, "report", "--out", str(folder / "reports")],
    }
    timings = {}
    for name, argv in commands.items():
        result = run_timed(argv, env)
        timings[name] = {k: result[k] for k in ("seconds", "cpu_seconds", "peak_rss_mib")} | {
            "output": str(result["output"]).strip().splitlines()[:1]
        }
        print(f"journeys {name:<30} {result['seconds']:>6.2f} s", flush=True)
    return timings


def run_pm4py(log: Path, model: Path, folder: Path, parser: str) -> dict:
    """pm4py's file -> answers in its own process; ``parser``: ``iterparse`` (pm4py without
    rustxes) or ``default`` (pm4py's own choice with rustxes installed: rustxes)."""
    python = ensure_venv()
    worker = folder / "pm4py_xes_worker.py"
    worker.write_text(PM4PY_XES_WORKER)
    out = folder / f"pm4py-{parser}.json"
    process = run_timed([str(python), str(worker), str(log), str(model), str(out), parser])
    result = json.loads(out.read_text())
    result["process_seconds"] = process["seconds"]
    total = sum(v["seconds"] for v in result["timings"].values())
    print(
        f"pm4py    read_xes ({result['parser']}) + DFG + variants + alignments {total:.2f} s",
        flush=True,
    )
    return result


def bench(events: int, *, pm4py: bool, repeat: int = 1, edge_coverage: float = 0.9) -> dict:
    folder = FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"tickets-{events}.xes.gz"
    cases = write_xes(log, events)  # a second or two; the same bytes for the same size
    map_file = folder / "map.yaml"
    # the model in a process of its own: a child's peak RSS (ru_maxrss) starts from its
    # parent's, so this process stays small (~15 MiB) while it times the commands
    subprocess.run(
        [sys.executable, __file__, "--model-only", str(log), str(edge_coverage)], check=True
    )
    ours = run_journeys(log, map_file, folder, repeat=repeat)
    answers = sum(ours[k]["seconds"] for k in THREE)
    result = {
        "events": events,
        "cases": cases,
        "file_mib": round(log.stat().st_size / 2**20, 1),
        "journeys": ours,
        "file_to_answers_seconds": round(answers, 2),
        "file_to_answers_cpu_seconds": round(sum(ours[k]["cpu_seconds"] for k in THREE), 2),
        "one_command_seconds": ours["analyze"]["seconds"],
        "repeat": repeat,
        "target_seconds": TARGET_SECONDS,
        "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} after the run",
        "measured": time.strftime("%Y-%m-%d"),
    }
    if pm4py:
        for key, parser in (("pm4py", "iterparse"), ("pm4py_rustxes", "default")):
            theirs = run_pm4py(log, folder / "model.json", folder, parser)
            result[key] = theirs
            result[f"{key}_seconds"] = round(
                sum(v["seconds"] for v in theirs["timings"].values()), 2
            )
    return result


def write_doc(r: dict) -> None:
    j = r["journeys"]

    def row(label: str, name: str) -> str:
        t = j[name]
        return f"| {label} | {t['seconds']:.2f} | {t['cpu_seconds']:.2f} | {t['peak_rss_mib']:,} |"

    def verdict(seconds: float) -> str:
        if r["events"] != 250_000:  # issue #17's target is for this size
            return ""
        return f" (target < {r['target_seconds']:.0f} s: " + (
            "met)" if seconds < r["target_seconds"] else "**not met**)"
        )

    repeat = r.get("repeat", 1)
    begin, end = markers(r["events"])
    lines = [
        begin,
        "",
        f"Measured {r['measured']} with `python benchmarks/bench_import.py --write-doc"
        f" --events {size_label(r['events'])}{' --no-pm4py' if 'pm4py' not in r else ''}"
        f"{f' --repeat {repeat}' if repeat > 1 else ''}` ({r['machine']}): a generated XES.gz "
        f"of **{r['events']:,} events** ({r['file_mib']} MiB), each command in a fresh process "
        "as a user types it, no configuration"
        + (f", the median of {repeat} runs" if repeat > 1 else "")
        + ". Seconds are wall time, process start included; CPU-seconds are the process's "
        "(every thread).",
        "",
        "| step | seconds | CPU-s | peak RSS (MiB) |",
        "|---|---:|---:|---:|",
    ]
    lines += [row(f"`journeys {name}`", name) for name in THREE]
    peak = max(j[name]["peak_rss_mib"] for name in THREE)
    lines.append(
        f"| **file → answers, three commands** (import-log + build + compare) | "
        f"**{r['file_to_answers_seconds']:.2f}**{verdict(r['file_to_answers_seconds'])} | "
        f"{r['file_to_answers_cpu_seconds']:.2f} | {peak:,} |"
    )
    one = j["analyze"]
    lines.append(
        f"| **file → answers, one command** (`journeys analyze FILE --map`) | "
        f"**{one['seconds']:.2f}**{verdict(one['seconds'])} | {one['cpu_seconds']:.2f} | "
        f"{one['peak_rss_mib']:,} |"
    )
    discovers = "analyze (discovers the map)"
    lines.append(row("`journeys analyze FILE` (discovers the map, then compares)", discovers))
    lines += [row(f"`journeys {name}`", name) for name in ("suggest-map", "report")]
    lines += [
        row("floor: the interpreter and `import journeys.cli`", "python + import journeys.cli"),
        row(
            "floor: the rustxes parse of the file alone (its own interpreter)",
            "rustxes parse alone",
        ),
    ]
    labels = {
        "pm4py": "without rustxes (its XES parser: {parser})",
        "pm4py_rustxes": "with rustxes installed, as pm4py recommends at import (it then reads "
        "XES with {parser})",
    }
    for key, label in labels.items():
        if key not in r:
            continue
        p = r[key]["timings"]
        parts = " + ".join(f"{p[k]['seconds']:.2f}" for k in p)
        cpu = sum(p[k]["cpu_seconds"] for k in p)
        lines.append(
            f"| pm4py {r[key]['version']} {label.format(parser=r[key]['parser'])}: read_xes + "
            "discover_dfg + get_variants + DFG alignments, same file, same model (process "
            f"{r[key]['process_seconds']} s with imports) | {parts} = **{r[f'{key}_seconds']}** "
            f"| {cpu:.2f} | {round(r[key]['peak_rss_mib']):,} |"
        )
        speed_up = r[f"{key}_seconds"] / r["file_to_answers_seconds"]
        target = ""
        if r["events"] == 1_000_000:  # issue #21's target is for this size
            met = "met" if speed_up >= TARGET_SPEED_UP else "**not met**"
            target = f"; target ≥ {TARGET_SPEED_UP:.0f}×: {met}"
        lines.append(
            f"| **journeys vs pm4py {label.split(' (')[0]}, file → answers** (pm4py's seconds "
            f"without its imports / journeys' three commands with process start{target}) | "
            f"**{speed_up:.2f}×** | | |"
        )
    lines += ["", end]
    write_block(lines, begin=begin, end=end, heading="## Own log: file → answers (`make bench`)")


def write_model(log: Path, *, edge_coverage: float) -> None:
    """The DFG model of ``log`` (model.json) and the same model as a journeys map (map.yaml)."""
    csv = log.with_suffix("").with_suffix(".csv")
    as_csv(log, csv)
    model = derive_model(csv, edge_coverage=edge_coverage)
    (log.parent / "model.json").write_text(json.dumps(model))
    write_map(model, log.parent / "map.yaml", name="tickets-dfg")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", default="250K", help="events in the generated XES.gz")
    parser.add_argument("--no-pm4py", action="store_true", help="skip the pm4py side")
    parser.add_argument("--write-doc", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run journeys' commands N times, keep the medians"
    )
    parser.add_argument(
        "--model-only", nargs=2, metavar=("LOG", "COVERAGE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.model_only:
        write_model(Path(args.model_only[0]), edge_coverage=float(args.model_only[1]))
        return {}
    result = bench(parse_size(args.events), pm4py=not args.no_pm4py, repeat=args.repeat)
    (OUT / "import.json").write_text(json.dumps(result, indent=2))
    print(
        f"file → answers {result['file_to_answers_seconds']} s (three commands), "
        f"{result['one_command_seconds']} s (analyze)"
        + (f"; pm4py {result['pm4py_seconds']} s" if "pm4py_seconds" in result else "")
        + (
            f", with rustxes {result['pm4py_rustxes_seconds']} s"
            if "pm4py_rustxes_seconds" in result
            else ""
        )
    )
    if args.write_doc:
        write_doc(result)
    return result


if __name__ == "__main__":
    main()
