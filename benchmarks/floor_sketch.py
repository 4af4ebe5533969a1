"""The least any DuckDB design has to do for a generated shop, timed: a floor, not journeys.

``python benchmarks/floor_sketch.py LANDING`` reads the files `journeys generate` wrote into
LANDING (web_events.jsonl, transactions.csv, support_interactions.csv), in memory, with none of
the product's guarantees: no contract checks or rejects, no batches or manifest, no identity
graph (a customer is the login, customer id or email as delivered), no touchpoint rules, no
persistence or publishing, no conformance. What is left is reading and typing the events,
de-duplicating them, one sort for sessions, the variants and the transitions. Its wall time is a
lower bound for the ``ingest -> compare`` stages of ``benchmarks/run.py`` on the same machine
(see docs/benchmarks.md, "Targets").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

WEB_COLUMNS = (
    "{'event_id': 'VARCHAR', 'anonymous_id': 'VARCHAR', 'user_id': 'VARCHAR', "
    "'event_type': 'VARCHAR', 'occurred_at': 'VARCHAR', 'page_path': 'VARCHAR', "
    "'referrer': 'VARCHAR', 'device': 'VARCHAR'}"
)


def steps(landing: Path) -> list[tuple[str, str]]:
    web, orders, support = (
        landing / "web_events.jsonl",
        landing / "transactions.csv",
        landing / "support_interactions.csv",
    )
    csv = "all_varchar = true, quote = '\"', escape = '\"', ignore_errors = true"
    return [
        (
            "read web (JSON, typed)",
            "CREATE TABLE w AS SELECT event_id, coalesce(nullif(user_id, ''), anonymous_id) AS who,"
            " event_type, try_cast(occurred_at AS TIMESTAMPTZ) AS ts FROM read_json("
            f"'{web}', format = 'newline_delimited', ignore_errors = true, "
            f"columns = {WEB_COLUMNS})",
        ),
        (
            "read transactions (CSV)",
            "CREATE TABLE t AS SELECT event_id, customer_id AS who, event_type, "
            f"try_cast(occurred_at AS TIMESTAMPTZ) AS ts FROM read_csv('{orders}', {csv})",
        ),
        (
            "read support (CSV)",
            "CREATE TABLE s AS SELECT event_id, email AS who, event_type, "
            "try_cast(occurred_at AS TIMESTAMP)::TIMESTAMPTZ AS ts "
            f"FROM read_csv('{support}', {csv})",
        ),
        (
            "union + de-duplicate",
            "CREATE TABLE e AS SELECT any_value(who) AS who, any_value(event_type) AS et, "
            "any_value(ts) AS ts FROM (SELECT * FROM w UNION ALL SELECT * FROM t "
            "UNION ALL SELECT * FROM s) GROUP BY event_id",
        ),
        (
            "customer ids",
            "CREATE TABLE c AS SELECT who, row_number() OVER () AS k "
            "FROM (SELECT DISTINCT who FROM e)",
        ),
        (
            "sessions (one sort)",
            "CREATE TABLE ev AS SELECT k, ts, et, sum(CASE WHEN lag_ts IS NULL "
            "OR ts - lag_ts > INTERVAL 30 MINUTE THEN 1 ELSE 0 END) OVER (PARTITION BY k "
            "ORDER BY ts ROWS UNBOUNDED PRECEDING) AS session_no FROM (SELECT c.k, e.ts, e.et, "
            "lag(e.ts) OVER (PARTITION BY c.k ORDER BY e.ts) AS lag_ts FROM e JOIN c USING (who))",
        ),
        (
            "paths + variants",
            "CREATE TABLE v AS SELECT path, count(*) AS n FROM (SELECT k, session_no, "
            "list(et ORDER BY ts) AS path FROM ev GROUP BY ALL) GROUP BY path",
        ),
        (
            "transitions",
            "CREATE TABLE tr AS SELECT a, b, count(*) AS n FROM (SELECT et AS a, "
            "lead(et) OVER (PARTITION BY k ORDER BY ts) AS b FROM ev) GROUP BY ALL",
        ),
    ]


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not (Path(argv[0]) / "web_events.jsonl").is_file():
        raise SystemExit("usage: floor_sketch.py LANDING (a folder `journeys generate` wrote)")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    total = 0.0
    for label, sql in steps(Path(argv[0])):
        started = time.perf_counter()
        con.execute(sql)
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{label:<26} {seconds:6.2f} s")
    events = con.execute("SELECT count(*) FROM ev").fetchone()[0]
    print(f"{'total':<26} {total:6.2f} s for {events:,} events ({events / total:,.0f} events/s)")


if __name__ == "__main__":
    main(sys.argv[1:])
