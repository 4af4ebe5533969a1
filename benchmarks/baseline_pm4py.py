"""Baseline: journeys against pm4py on the same event logs (discovery, variants, conformance).

pm4py is AGPL and never a dependency of journeys: this script creates a throwaway virtual
environment (``benchmarks/out/pm4py-venv``, ``pip install pm4py==PM4PY_VERSION``) and runs pm4py
there, in its own process. For each log (the real help-desk log, and a generated log exported
from journeys' own marts as a CSV event log) it:

1. derives one DFG model from the log with polars (the most frequent directly-follows edges that
   cover ``--edge-coverage`` of the transitions, the start and end activities that cover 95 %
   of the cases, pruned so every activity is reachable from a start and can reach an end) and
   writes it both as a pm4py DFG (JSON) and as an equivalent journeys map (one step per activity,
   ``next:`` = its successors, ``repeatable`` = a self-loop, ``entry``/``exit`` = starts/ends);
2. times journeys, each step in a fresh process: ``import-log`` (load), ``build``
   (transitions, variants and every other mart), the mining marts alone, ``compare`` against the
   map (exact alignments, per variant, plus step timing, funnel and gaps), and the
   **like-for-like** path (``like_for_like``): pm4py's three outputs made from journeys' built
   event tables, that is the transitions and variants marts, start / end activities, and the
   map_conformance rows (every distinct variant aligned once, spread to its journeys);
3. times pm4py in a fresh process: ``read_csv`` + ``format_dataframe`` (load),
   ``discover_dfg``, ``get_variants``, and DFG alignments
   (``pm4py.algo.conformance.alignments.dfg``, costs 10000 per log or model move) on the model;
   the like-for-like path and pm4py run ``--repeat`` times (best of each is kept);
4. checks that the numbers agree: DFG edges and counts, start/end activities, variant counts,
   and every variant's alignment cost (pm4py's cost / 10000) and fitness; and that the
   like-for-like path's start / end activities match pm4py's and its conformance rows equal
   the ones ``compare`` wrote.

    .venv/bin/python benchmarks/baseline_pm4py.py                    # help-desk + 1M generated
    .venv/bin/python benchmarks/baseline_pm4py.py --generated 0      # help-desk only
    .venv/bin/python benchmarks/run.py --baseline                    # the same, from make bench

Results: ``benchmarks/out/baseline.json`` and, with ``--write-doc``, the "Baseline" section of
docs/benchmarks.md (between ``<!-- baseline:begin -->`` and ``<!-- baseline:end -->``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
VENV = OUT / "pm4py-venv"
PM4PY_VERSION = "2.7.23.11"
RUSTXES_VERSION = "0.2.11"
"""The XES reader pm4py uses by itself when it is installed (and recommends at import), the same
version journeys reads XES with (requirements.lock)."""
HELPDESK = ROOT.parent / "shared" / "data" / "real" / "helpdesk.csv"
BEGIN, END = "<!-- baseline:begin -->", "<!-- baseline:end -->"
PM4PY_COST = 10000  # pm4py's standard cost of a log or model move
TOLERANCE = 1e-9

PM4PY_WORKER = r"""
import json, resource, sys, time
import pandas as pd
import pm4py
from pm4py.algo.conformance.alignments.dfg import algorithm as dfg_alignment
from pm4py.utils import pandas_utils

log_path, model_path, out_path = sys.argv[1:4]
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

def load():
    df = pd.read_csv(log_path, dtype={"case_id": str})
    return pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                                  timestamp_key="timestamp")

df = timed("load", load)
dfg, sa, ea = timed("discover_dfg", lambda: pm4py.discover_dfg(df))
variants = timed("variants", lambda: pm4py.get_variants(df))
model_dfg = {(a, b): c for a, b, c in model["edges"]}
model_sa = {a: 1 for a in model["starts"]}
model_ea = {a: 1 for a in model["ends"]}
aligned = timed("alignments", lambda: dfg_alignment.apply(df, model_dfg, model_sa, model_ea))
traces = pandas_utils.get_traces(df, "case:concept:name", "concept:name")
per_variant = {}
for trace, al in zip(traces, aligned):
    per_variant["\x1f".join(trace)] = [al["cost"], al["fitness"]]
json.dump({
    "version": pm4py.__version__,
    "timings": timings,
    "dfg": [[a, b, int(c)] for (a, b), c in dfg.items()],
    "starts": {a: int(c) for a, c in sa.items()},
    "ends": {a: int(c) for a, c in ea.items()},
    "variants": {"\x1f".join(v): c if isinstance(c, int) else len(c) for v, c in variants.items()},
    "alignments": per_variant,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}, open(out_path, "w"))  # noqa: E501
"""


def ensure_venv() -> Path:
    """The throwaway pm4py environment (created once)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import pm4py; print(pm4py.__version__)"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or probe.stdout.strip() != PM4PY_VERSION:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"pm4py=={PM4PY_VERSION}"], check=True
        )
    rustxes = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('rustxes'))"],
        capture_output=True,
        text=True,
    )
    if rustxes.stdout.strip() != RUSTXES_VERSION:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"rustxes=={RUSTXES_VERSION}"], check=True
        )
    return python


def command_env() -> dict[str, str]:
    """The environment a timed command runs in: telemetry off, and Python writing its bytecode
    as it does by default (a machine that sets PYTHONDONTWRITEBYTECODE, as this one does,
    compiles journeys' modules again in every command: 0.05 s or more of each, which a user's
    installation does not pay; the libraries' own bytecode comes with their wheels)."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_timed(
    argv: list[str], env: dict[str, str] | None = None, *, digits: int = 2
) -> dict[str, float | str]:
    """Run a command; its wall and CPU seconds (rounded to ``digits``), peak RSS (MiB) and
    output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{output[-3000:]}")
    return {
        "seconds": round(time.perf_counter() - started, digits),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, digits),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "output": output,
    }


# -- the model ----------------------------------------------------------------------------


def derive_model(log: Path, *, edge_coverage: float) -> dict:
    """A DFG model from the log (see the module docstring), as edges, starts and ends."""
    import polars as pl

    events = (
        pl.read_csv(log, schema_overrides={"case_id": pl.String})
        .with_row_index("row")
        .with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC"))
        .sort(["case_id", "timestamp", "row"])
    )
    pairs = (
        events.with_columns(nxt=pl.col("activity").shift(-1).over("case_id"))
        .drop_nulls("nxt")
        .group_by(["activity", "nxt"])
        .len()
        .sort(["len", "activity", "nxt"], descending=[True, False, False])
    )
    keep = pairs.filter(
        pl.col("len").cum_sum().shift(1, fill_value=0) < edge_coverage * pairs["len"].sum()
    )
    edges = {(a, b): c for a, b, c in keep.iter_rows()}

    def covering(column: pl.Expr) -> set[str]:
        counts = events.group_by("case_id").agg(column.alias("a"))["a"].value_counts(sort=True)
        cut = counts.filter(
            pl.col("count").cum_sum().shift(1, fill_value=0) < 0.95 * counts["count"].sum()
        )
        return set(cut["a"].to_list())

    starts = covering(pl.col("activity").first())
    ends = covering(pl.col("activity").last())
    while True:  # prune: reachable from a start and able to reach an end
        succ: dict[str, set[str]] = {}
        pred: dict[str, set[str]] = {}
        for a, b in edges:
            succ.setdefault(a, set()).add(b)
            pred.setdefault(b, set()).add(a)
        forward = _closure(starts, succ)
        backward = _closure(ends, pred)
        alive = forward & backward
        new_edges = {e: c for e, c in edges.items() if e[0] in alive and e[1] in alive}
        new_starts, new_ends = starts & alive, ends & alive
        if (new_edges, new_starts, new_ends) == (edges, starts, ends):
            break
        edges, starts, ends = new_edges, new_starts, new_ends
    return {
        "edges": sorted([a, b, c] for (a, b), c in edges.items()),
        "starts": sorted(starts),
        "ends": sorted(ends),
        "activities": sorted(forward & backward | starts | ends),
    }


def _closure(seeds: set[str], graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(seeds), list(seeds)
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def write_map(model: dict, path: Path, *, name: str) -> None:
    """The equivalent journeys map: one step per activity, edges as ``next:``."""
    import yaml

    succ: dict[str, list[str]] = {a: [] for a in model["activities"]}
    loops = set()
    for a, b, _ in model["edges"]:
        if a == b:
            loops.add(a)
        else:
            succ[a].append(b)
    steps = []
    for activity in model["activities"]:
        step: dict = {"name": activity, "next": sorted(succ[activity])}
        if activity in loops:
            step["repeatable"] = True
        steps.append(step)
    doc = {
        "name": name,
        "entry": model["starts"],
        "exit": model["ends"],
        "stages": [{"name": "Process", "steps": steps}],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")


# -- journeys, in its own process ---------------------------------------------------------

JOURNEYS_STEPS = {
    "import": "steps.import_event_log(s, Path(LOG), case_col='case_id', activity_col='activity', "
    "timestamp_col='timestamp')",
    "build": "steps.build_marts(s, full=True, publish=False)",
    # the mining marts alone (transitions, variants, touchpoints) from the built path marts
    "mining": "with open_work(s, step='mining') as wh: build_mining(wh, s)",
    "compare": "steps.compare_maps(s, publish=False)",
    # pm4py's three outputs, from the built event tables (see like_for_like)
    "like_for_like": "_parts = like_for_like(s, Path(MAP), Path(LFL_OUT))",
}
TIMED = (
    "import resource, time, json\n"
    "def _cpu():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    return u.ru_utime + u.ru_stime\n"
    "_parts = None\n"
    "_t, _c = time.perf_counter(), _cpu()\n"
    "{call}\n"
    "print(json.dumps({{'seconds': time.perf_counter() - _t, 'cpu_seconds': _cpu() - _c, "
    "'parts': _parts}}))\n"
)


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def like_for_like(settings, map_file: Path, out: Path) -> dict[str, float]:
    """What pm4py's timed calls produce, made by journeys from its built event tables
    (marts.events and marts.journeys, the counterpart of pm4py's formatted dataframe):

    - the DFG: the ``marts.transitions`` mart (pair counts, and also distinct journeys and
      customers and median / p90 seconds per pair, which pm4py does not compute), and the start
      and end activities (journeys per first / last touchpoint, from the variants);
    - the variants: the ``marts.variants`` mart (path, journeys, share, rank, median duration);
    - the alignments: every distinct in-scope (variant, finished) aligned once against the map,
      spread to one row per journey (cost, fitness, is_conforming, deviations, move counts:
      ``marts.map_conformance``'s rows, kept in memory as pm4py keeps its list).

    Timed from opening the work warehouse to the results in memory; closing it (DuckDB's
    checkpoint writing the two marts) is outside, as pm4py writes nothing. Returns the seconds of
    each part; the results go to ``out`` (parquet) after the clock, for the agreement check."""
    import time

    import polars as pl

    from journeys.compare.conformance import align_journeys
    from journeys.compare.maps import load_map
    from journeys.compare.scope import JOURNEY_COLUMNS, scope_journeys, scope_variants
    from journeys.publish import open_work

    parts: dict[str, float] = {}
    cpu_parts: dict[str, float] = {}

    def lap(name: str) -> None:
        parts[name] = time.perf_counter() - started - sum(parts.values())
        cpu_parts[name] = _cpu() - cpu - sum(cpu_parts.values())

    with open_work(settings, step="like-for-like") as wh:
        started, cpu = time.perf_counter(), _cpu()
        wh.run_model("marts/variants")
        lap("variants")
        # distinct journeys and customers per pair come from the variants' paths (MINING_MODELS'
        # order); the model counts touchpoints too, which the DFG does not need: counted here
        wh.run_model("intermediate/int_subpath_counts")
        wh.run_model("marts/transitions")
        lap("transitions")
        variants = wh.read_table("marts.variants", columns=["variant_id", "path", "journeys"])
        ends = pl.concat(
            [
                variants.group_by(activity=getattr(pl.col("path").list, which)())
                .agg(pl.col("journeys").sum())
                .with_columns(end=pl.lit(name))
                for which, name in (("first", "start"), ("last", "end"))
            ]
        )
        lap("starts_ends")
        # the conformance rows, as conformance.compare_map makes them
        journey_map = load_map(map_file)
        journeys = wh.read_table(
            "marts.journeys", columns=[c for c in JOURNEY_COLUMNS if c != "path"]
        )
        scoped_variants = scope_variants(journey_map, variants)
        scoped = scope_journeys(journeys, scoped_variants)
        _, conformance = align_journeys(journey_map, scoped, scoped_variants)
        lap("alignments")
    out.mkdir(parents=True, exist_ok=True)
    conformance.write_parquet(out / "conformance.parquet")
    ends.write_parquet(out / "starts_ends.parquet")
    return {
        **{k: round(v, 3) for k, v in parts.items()},
        "cpu_seconds": round(sum(cpu_parts.values()), 3),
        "cpu": {k: round(v, 3) for k, v in cpu_parts.items()},
    }


def run_journeys(log: Path, map_file: Path, folder: Path, *, repeat: int) -> tuple[dict, dict]:
    """Time import-log, build and compare (each in a fresh process); read back the results."""
    import duckdb
    import polars as pl

    shutil.rmtree(folder / "wh", ignore_errors=True)
    shutil.rmtree(folder / "lfl", ignore_errors=True)
    setup = (
        "from pathlib import Path; from datetime import datetime, UTC; "
        "from journeys import steps; from journeys.config import load_settings; "
        # imported before the clock starts, as pm4py is
        "import journeys.build, journeys.mining, journeys.paths, journeys.ingest.eventlog; "
        "import journeys.compare.conformance; from journeys.publish import open_work; "
        "from journeys.mining import build_mining; "
        "import journeys.compare.alignment, pyarrow.compute, numpy.ma; "
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
        "from baseline_pm4py import like_for_like; "
        f"LOG = {str(log)!r}; MAP = {str(map_file)!r}; LFL_OUT = {str(folder / 'lfl')!r}; "
        f"s = load_settings(None, warehouse=Path({str(folder / 'wh' / 'journeys.duckdb')!r}), "
        f"maps=(Path({str(map_file)!r}),), "
        "journeys={'cutoff': datetime(2100, 1, 1, tzinfo=UTC)}); "
    )
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    timings = {}
    for name, call in JOURNEYS_STEPS.items():
        runs = []
        # the like-for-like path is short and noisy on a shared machine: best of ``repeat``
        for _ in range(repeat if name == "like_for_like" else 1):
            process = run_timed([sys.executable, "-c", setup + "\n" + TIMED.format(call=call)], env)
            inside = json.loads(str(process.pop("output")).strip().splitlines()[-1])
            timing = {
                "seconds": round(inside["seconds"], 2),
                "cpu_seconds": round(inside["cpu_seconds"], 2),
                "process_seconds": process["seconds"],
                "peak_rss_mib": process["peak_rss_mib"],
            }
            if inside.get("parts"):
                timing["parts"] = inside["parts"]
                timing["seconds_of_parts"] = round(
                    sum(v for k, v in inside["parts"].items() if k not in ("cpu_seconds", "cpu")),
                    3,
                )
            runs.append(timing)
        timings[name] = min(runs, key=lambda t: t.get("seconds_of_parts", t["seconds"]))
        timings[name]["runs"] = len(runs)
    queries = {
        "dfg": "SELECT from_touchpoint, to_touchpoint, transitions FROM marts.transitions",
        "starts": "SELECT path[1], count(*) FROM marts.journeys GROUP BY ALL",
        "ends": "SELECT path[-1], count(*) FROM marts.journeys GROUP BY ALL",
        "variants": "SELECT array_to_string(path, chr(31)), journeys FROM marts.variants",
        "alignments": "SELECT DISTINCT array_to_string(j.path, chr(31)), c.cost, c.fitness "
        "FROM marts.map_conformance AS c JOIN marts.journeys AS j USING (journey_id)",
        "journeys": "SELECT count(*) FROM marts.journeys",
        "in_scope": "SELECT count(*) FROM marts.map_conformance",
        "events": "SELECT count(*) FROM marts.events",
    }
    with duckdb.connect(str(folder / "wh" / "journeys.work.duckdb"), read_only=True) as con:
        rows = {name: con.execute(sql).fetchall() for name, sql in queries.items()}
        compared = con.sql("SELECT * FROM marts.map_conformance").pl()
    # the like-for-like path's results: the same rows as compare's marts.map_conformance, and
    # start / end activities to hold against pm4py's
    lfl = pl.read_parquet(folder / "lfl" / "conformance.parquet")
    ends = pl.read_parquet(folder / "lfl" / "starts_ends.parquet")
    lfl_equal = lfl.sort("journey_id").equals(compared.select(lfl.columns).sort("journey_id"))
    result = {
        "dfg": [list(r) for r in rows["dfg"]],
        "starts": dict(rows["starts"]),
        "ends": dict(rows["ends"]),
        "variants": dict(rows["variants"]),
        "alignments": {p: [cost, fit] for p, cost, fit in rows["alignments"]},
        **{name: rows[name][0][0] for name in ("journeys", "in_scope", "events")},
        "lfl_conformance_equal": lfl_equal,
        **{
            f"lfl_{kind}s": dict(
                ends.filter(pl.col("end") == kind).select("activity", "journeys").iter_rows()
            )
            for kind in ("start", "end")
        },
    }
    return timings, result


# -- comparison ---------------------------------------------------------------------------


def agree(ours: dict, theirs: dict) -> dict:
    """Which numbers are equal (and the first difference of each that is not)."""
    our_dfg = {(a, b): c for a, b, c in ours["dfg"]}
    their_dfg = {(a, b): c for a, b, c in theirs["dfg"]}
    checks: dict[str, object] = {
        "dfg_edges": len(our_dfg),
        "dfg_equal": our_dfg == their_dfg,
        "starts_equal": ours["starts"] == theirs["starts"],
        "ends_equal": ours["ends"] == theirs["ends"],
        "variants": len(ours["variants"]),
        "variants_equal": ours["variants"] == theirs["variants"],
        # the like-for-like path: its start / end activities, and its conformance rows are
        # compare's (whose alignments are checked against pm4py's below)
        "lfl_starts_ends_equal": ours["lfl_starts"] == theirs["starts"]
        and ours["lfl_ends"] == theirs["ends"],
        "lfl_conformance_equal": ours["lfl_conformance_equal"],
    }
    compared = cost_diff = fitness_diff = 0
    example = None
    for path, (cost, fitness) in ours["alignments"].items():
        if path not in theirs["alignments"]:
            continue
        compared += 1
        their_cost, their_fitness = theirs["alignments"][path]
        if their_cost / PM4PY_COST != cost:
            cost_diff += 1
            example = example or {"path": path.split("\x1f"), "journeys": cost, "pm4py": their_cost}
        elif abs(their_fitness - fitness) > TOLERANCE:
            fitness_diff += 1
            example = example or {
                "path": path.split("\x1f"),
                "journeys_fitness": fitness,
                "pm4py_fitness": their_fitness,
            }
    checks.update(
        aligned_variants=compared,
        pm4py_aligned_variants=len(theirs["alignments"]),
        cost_differs=cost_diff,
        fitness_differs=fitness_diff,
        first_difference=example,
    )
    return checks


def bench_log(name: str, log: Path, python: Path, *, edge_coverage: float, repeat: int = 1) -> dict:
    folder = OUT / "baseline" / name
    folder.mkdir(parents=True, exist_ok=True)
    model = derive_model(log, edge_coverage=edge_coverage)
    (folder / "model.json").write_text(json.dumps(model))
    map_file = folder / "map.yaml"
    write_map(model, map_file, name=f"{name}-dfg")
    ours_t, ours = run_journeys(log, map_file, folder, repeat=repeat)
    worker = folder / "pm4py_worker.py"
    worker.write_text(PM4PY_WORKER)
    result_file = folder / "pm4py.json"
    best = None
    for _ in range(repeat):  # best of ``repeat`` for pm4py too (its three timed calls)
        process = run_timed(
            [str(python), str(worker), str(log), str(folder / "model.json"), str(result_file)]
        )
        process.pop("output")
        run = json.loads(result_file.read_text())
        core = sum(run["timings"][k]["seconds"] for k in ("discover_dfg", "variants", "alignments"))
        if best is None or core < best[0]:
            best = (core, process, run)
    assert best is not None
    _, theirs_t, theirs = best
    theirs_t["runs"] = repeat
    j = {k: ours_t[k]["seconds"] for k in ours_t}
    p = {k: round(v["seconds"], 2) for k, v in theirs["timings"].items()}
    j_cpu = {k: ours_t[k]["cpu_seconds"] for k in ours_t}
    p_cpu = {k: round(v["cpu_seconds"], 2) for k, v in theirs["timings"].items()}
    ours_core = j["build"] + j["compare"]
    ours_mining = j["mining"] + j["compare"]
    theirs_core = p["discover_dfg"] + p["variants"] + p["alignments"]
    theirs_cpu = sum(
        theirs["timings"][k]["cpu_seconds"] for k in ("discover_dfg", "variants", "alignments")
    )
    lfl_parts = dict(ours_t["like_for_like"]["parts"])
    lfl_cpu = lfl_parts.pop("cpu_seconds")
    lfl_cpu_parts = lfl_parts.pop("cpu")
    ours_lfl = ours_t["like_for_like"]["seconds_of_parts"]
    return {
        "log": name,
        "file": str(log),
        "events": ours["events"],
        "cases": ours["journeys"],
        "model": {
            "activities": len(model["activities"]),
            "edges": len(model["edges"]),
            "edge_coverage": edge_coverage,
        },
        "journeys": {
            "seconds": j,
            "cpu_seconds": j_cpu,
            "peak_rss_mib": {k: ours_t[k]["peak_rss_mib"] for k in ours_t},
        },
        "pm4py": {
            "version": theirs["version"],
            "seconds": p,
            "cpu_seconds": p_cpu,
            "process": theirs_t,
        },
        "core_seconds": {"journeys": round(ours_core, 2), "pm4py": round(theirs_core, 2)},
        "core_speedup": round(theirs_core / ours_core, 2) if ours_core else None,
        "like_for_like": {
            "seconds": round(ours_lfl, 3),
            "cpu_seconds": round(lfl_cpu, 3),
            "parts": lfl_parts,
            "cpu_parts": lfl_cpu_parts,
            "speedup": round(theirs_core / ours_lfl, 1) if ours_lfl else None,
            "cpu_speedup": round(theirs_cpu / lfl_cpu, 1) if lfl_cpu else None,
        },
        "mining_speedup": round(theirs_core / ours_mining, 2) if ours_mining else None,
        "with_load_speedup": round((theirs_core + p["load"]) / (ours_core + j["import"]), 2),
        "agreement": agree(ours, theirs),
    }


def export_generated(events: int) -> Path:
    """A generated log of about ``events`` events as a CSV event log: journeys generates the
    shop, ingests and builds it, and each journey of marts.events becomes a case."""
    import duckdb

    folder = OUT / "baseline" / "generated-src"
    log = OUT / "baseline" / f"generated_{events}.csv"
    if log.exists():
        return log
    shutil.rmtree(folder, ignore_errors=True)
    landing = folder / "landing"
    from run import generate_command  # the same generator call as `make bench`

    py = sys.executable
    subprocess.run(generate_command(events, landing), check=True, capture_output=True)
    shutil.copy(ROOT / "data" / "sample" / "journeys.yaml", landing / "journeys.yaml")
    code = (
        "from pathlib import Path; from journeys import steps; "
        "from journeys.config import load_settings; "
        f"s = load_settings(Path({str(landing / 'journeys.yaml')!r}), "
        f"warehouse=Path({str(folder / 'wh' / 'journeys.duckdb')!r})); "
        "steps.ingest_landing(s); steps.build_marts(s, full=True, publish=False)"
    )
    subprocess.run([py, "-c", code], check=True, capture_output=True)
    with duckdb.connect(str(folder / "wh" / "journeys.work.duckdb"), read_only=True) as con:
        con.sql(
            "COPY (SELECT journey_id AS case_id, touchpoint AS activity, "
            "strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') || '+00:00' "
            "AS timestamp FROM marts.events ORDER BY journey_id, step_index) "
            f"TO '{log}' (HEADER, DELIMITER ',')"
        )
    shutil.rmtree(folder, ignore_errors=True)
    return log


def write_doc(results: list[dict]) -> None:
    lines = [
        BEGIN,
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/baseline_pm4py.py "
        "--write-doc` (pm4py in a throwaway venv, never a dependency). Seconds are wall time "
        "(CPU-seconds in brackets); each tool runs in its own fresh process. pm4py and the "
        f"like-for-like path: best of {results[0]['pm4py']['process']['runs'] if results else 1} "
        "runs; the other journeys steps: one run.",
        "",
        "| log | events | cases | model | pm4py DFG + variants + alignments | journeys "
        "like-for-like: transitions + variants (+ starts/ends) + conformance | speed-up | "
        "journeys build + compare | speed-up | journeys mining marts + compare (paths built) | "
        "speed-up | with loading | agreement |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        j, p, a = r["journeys"], r["pm4py"], r["agreement"]
        agreement = (
            f"DFG {a['dfg_edges']} edges {'equal' if a['dfg_equal'] else 'DIFFER'}; "
            f"starts/ends {'equal' if a['starts_equal'] and a['ends_equal'] else 'DIFFER'}; "
            f"{a['variants']} variants {'equal' if a['variants_equal'] else 'DIFFER'}; "
            f"costs of {a['aligned_variants']} variants: {a['cost_differs']} differ, "
            f"fitness: {a['fitness_differs']} differ; like-for-like: starts/ends "
            f"{'equal' if a['lfl_starts_ends_equal'] else 'DIFFER'}, conformance rows "
            f"{'equal to' if a['lfl_conformance_equal'] else 'DIFFER from'} compare's"
        )
        lfl = r["like_for_like"]
        q = lfl["parts"]
        lines.append(
            f"| {r['log']} | {r['events']:,} | {r['cases']:,} | {r['model']['activities']} "
            f"activities, {r['model']['edges']} edges | {p['seconds']['discover_dfg']} + "
            f"{p['seconds']['variants']} + {p['seconds']['alignments']} "
            f"({p['cpu_seconds']['discover_dfg']} + {p['cpu_seconds']['variants']} + "
            f"{p['cpu_seconds']['alignments']}) | {q['transitions']:.2f} + {q['variants']:.2f} "
            f"(+ {q['starts_ends']:.3f}) + {q['alignments']:.2f} = {lfl['seconds']:.2f} "
            f"({lfl['cpu_seconds']:.2f}) | **{lfl['speedup']}×** (CPU {lfl['cpu_speedup']}×) | "
            f"{j['seconds']['build']} + "
            f"{j['seconds']['compare']} ({j['cpu_seconds']['build']} + "
            f"{j['cpu_seconds']['compare']}) | **{r['core_speedup']}×** | "
            f"{j['seconds']['mining']} + {j['seconds']['compare']} "
            f"({j['cpu_seconds']['mining']} + {j['cpu_seconds']['compare']}) | "
            f"**{r['mining_speedup']}×** | "
            f"{r['with_load_speedup']}× (import-log {j['seconds']['import']} s vs read_csv + "
            f"format_dataframe {p['seconds']['load']} s) | {agreement} |"
        )
    lines += ["", END]
    from run import write_block  # the benchmarks' one writer of docs/benchmarks.md blocks

    write_block(lines, begin=BEGIN, end=END, heading="## Baseline (pm4py)")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated", default="1M", help="events of the generated log (0: none)")
    parser.add_argument("--edge-coverage", type=float, default=0.9)
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the like-for-like path and of pm4py; the best of each is reported",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run import parse_size

    python = ensure_venv()
    logs = []
    if HELPDESK.exists():
        logs.append(("helpdesk", HELPDESK))
    size = parse_size(args.generated)
    if size:
        logs.append((f"generated-{args.generated}", export_generated(size)))
    results = []
    for name, log in logs:
        result = bench_log(
            name, log, python, edge_coverage=args.edge_coverage, repeat=max(1, args.repeat)
        )
        results.append(result)
        print(json.dumps({k: v for k, v in result.items() if k != "file"}, indent=1))
    (OUT / "baseline.json").write_text(json.dumps(results, indent=2))
    if args.write_doc:
        write_doc(results)
    return results


if __name__ == "__main__":
    main()
