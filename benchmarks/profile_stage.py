"""Where one stage's time goes: every SQL statement timed (wall and CPU-seconds), slowest first.

    python benchmarks/profile_stage.py build benchmarks/out/10000000 [--top 25]
        [--fresh-from WAREHOUSE_FOLDER] [--explain marts/events.sql,...] [--operators sql/,export]

runs the stage (``ingest``, ``build`` or ``compare``, as ``benchmarks/run.py`` runs it) on the
folder a ``run.py --keep`` run left (``landing/journeys.yaml``, ``wh/``) in this process, with
``Connection._run`` and ``Connection._fetch`` timed; the folder's warehouse is changed as the
stage changes it (copy it first to keep it; ``--fresh-from`` copies a kept one into ``wh/`` first,
e.g. the folder as ingest left it, to time the build again). ``--explain`` runs the statements
whose label holds one of the given parts under EXPLAIN ANALYZE and prints their plans with the
operators' timings; ``--operators`` runs them with DuckDB's JSON profiler instead and prints each
one's slowest operators as a short list (``--operators sql/,export`` for every model and export:
where a statement's time goes without reading wide plans). CPU-seconds are the process's
(every DuckDB thread), so a statement that runs while Python works elsewhere is charged for
both; the cores are shared, so compare CPU-seconds between runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from journeys.config import load_settings
from journeys.warehouse import connection

TIMES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])


def _timed(method: Any, label_of: Any) -> Any:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            entry = TIMES[label_of(args, kwargs)]
            entry[0] += time.perf_counter() - wall
            entry[1] += time.process_time() - cpu
            entry[2] += 1

    return wrapper


EXPLAIN: list[str] = []


def _explained(method: Any) -> Any:
    """``_run`` that runs the statements whose label holds one of ``EXPLAIN`` under EXPLAIN
    ANALYZE (which executes them too) and prints the plan with its operator timings."""

    def wrapper(self: Any, sql: str, params: Any = None, **kwargs: Any) -> Any:
        label = _run_label((sql,), kwargs)
        if not any(part in label for part in EXPLAIN):
            return method(self, sql, params, **kwargs)
        plan = method(self, "EXPLAIN ANALYZE " + sql, params, **kwargs)
        print(f"== {label}\n{plan[0][1]}", flush=True)
        return [(0,)]

    return wrapper


OPERATORS: list[str] = []


def _operators(method: Any) -> Any:
    """``_run`` that profiles the statements whose label holds one of ``OPERATORS`` (DuckDB's
    JSON profiler) and prints their slowest operators: thread-seconds summed over threads, rows
    out, the operator and what it works on."""

    def wrapper(self: Any, sql: str, params: Any = None, **kwargs: Any) -> Any:
        label = _run_label((sql,), kwargs)
        if not any(part in label for part in OPERATORS):
            return method(self, sql, params, **kwargs)
        out = Path(tempfile.mkdtemp()) / "profile.json"
        self._con.execute(f"PRAGMA enable_profiling = 'json'; PRAGMA profiling_output = '{out}'")
        try:
            return method(self, sql, params, **kwargs)
        finally:
            self._con.execute("PRAGMA disable_profiling")
            found: list[tuple[float, int, str]] = []
            for root in json.loads(out.read_text()).get("operator", []) if out.exists() else []:
                _walk(root, found)
            print(f"== {label}", flush=True)
            for seconds, rows, what in sorted(found, reverse=True)[:8]:
                print(f"   {seconds:7.2f} s {rows:>12,}  {what}", flush=True)
            shutil.rmtree(out.parent, ignore_errors=True)

    return wrapper


def _walk(node: dict[str, Any], found: list[tuple[float, int, str]]) -> None:
    info = node.get("extra_info") or {}
    detail = " ".join(
        f"{key}={value if isinstance(value, str) else ','.join(map(str, value))}"[:100]
        for key, value in info.items()
        if key
        in ("Join Type", "Conditions", "Aggregates", "Groups", "Order By", "Table", "Function")
    )
    found.append(
        (
            float(node.get("timing", 0.0)),
            int(node.get("intermediate_rows", 0)),
            f"{node.get('type')} {detail}",
        )
    )
    for child in node.get("children", []):
        _walk(child, found)


def _run_label(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    what = kwargs.get("what")
    return str(what) if what else " ".join(str(args[0]).split())[:70]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("ingest", "build", "compare"))
    parser.add_argument("folder", type=Path, help="a run.py --keep folder, e.g. out/10000000")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--explain", default="", help="comma-separated parts of labels to run under EXPLAIN ANALYZE"
    )
    parser.add_argument(
        "--operators",
        default="",
        help="comma-separated parts of labels whose slowest operators to print (JSON profiler)",
    )
    parser.add_argument(
        "--fresh-from", type=Path, help="copy this warehouse folder to FOLDER/wh first"
    )
    args = parser.parse_args()
    folder = args.folder.resolve()
    if args.fresh_from:
        shutil.rmtree(folder / "wh", ignore_errors=True)
        shutil.copytree(args.fresh_from, folder / "wh")
    EXPLAIN.extend(filter(None, args.explain.split(",")))
    OPERATORS.extend(filter(None, args.operators.split(",")))
    connection.Connection._run = _operators(connection.Connection._run)  # type: ignore[method-assign]
    connection.Connection._run = _explained(connection.Connection._run)  # type: ignore[method-assign]
    connection.Connection._run = _timed(connection.Connection._run, _run_label)  # type: ignore[method-assign]
    connection.Connection._fetch = _timed(  # type: ignore[method-assign]
        connection.Connection._fetch, lambda a, k: f"(fetch) {a[2] if len(a) > 2 else k}"
    )
    from journeys import steps

    settings = load_settings(
        folder / "landing" / "journeys.yaml",
        warehouse=folder / "wh" / "journeys.duckdb",
        reports=folder / "reports",
    )
    wall, cpu = time.perf_counter(), time.process_time()
    if args.stage == "ingest":
        steps.ingest_landing(settings)
    elif args.stage == "build":
        steps.build_marts(settings, full=True, publish=False)  # as run.py runs it
    else:
        steps.compare_maps(settings, full=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timed = sum(t[0] for t in TIMES.values())
    print(f"{args.stage}: {wall:.2f} s, {cpu:.2f} CPU-s; SQL {timed:.2f} s in {len(TIMES)} labels")
    for label, (s, c, n) in sorted(TIMES.items(), key=lambda kv: -kv[1][1])[: args.top]:
        print(f"{s:8.2f} s {c:8.2f} CPU-s {n:5d}x  {label}")


if __name__ == "__main__":
    main()
