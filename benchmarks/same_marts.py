"""Do two published warehouses hold the same marts? Every speed-up is checked with this.

``python benchmarks/same_marts.py BEFORE.duckdb AFTER.duckdb`` compares every table or view of
the ``marts`` and ``raw`` schemas the two published files hold: the same columns with the same
types, and the same rows as multisets (``EXCEPT ALL`` both ways, so order and storage do not
matter but every duplicate does). Columns that name a run rather than data (``built_at``) can
be left out with ``--ignore``. Exit 0 when everything is equal, else 1 with one line per
difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def relations(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    """schema.name -> [(column, type)] of every table and view in marts and raw."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = $c AND schema_name IN ('marts', 'raw') "
        "ORDER BY schema_name, table_name, column_index",
        {"c": catalog},
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for name, column, data_type in rows:
        found.setdefault(name, []).append((column, data_type))
    return found


def differences(before: Path, after: Path, *, ignore: set[str]) -> list[str]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")
    left, right = relations(con, "a"), relations(con, "b")
    found = [f"{name}: only in {before}" for name in sorted(set(left) - set(right))]
    found += [f"{name}: only in {after}" for name in sorted(set(right) - set(left))]
    for name in sorted(set(left) & set(right)):
        if left[name] != right[name]:
            found.append(f"{name}: columns differ: {left[name]} vs {right[name]}")
            continue
        cols = ", ".join(f'"{c}"' for c, _ in left[name] if c not in ignore)
        for one, other in (("a", "b"), ("b", "a")):
            extra = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {one}.{name} "
                f"EXCEPT ALL SELECT {cols} FROM {other}.{name})"
            ).fetchone()[0]
            if extra:
                found.append(f"{name}: {extra} rows of {one} not in {other}")
        rows = [con.execute(f"SELECT count(*) FROM {c}.{name}").fetchone()[0] for c in "ab"]
        print(f"{name}: {rows[0]:,} rows / {rows[1]:,} rows", flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore", default="", help="comma-separated columns to leave out")
    args = parser.parse_args(argv)
    found = differences(args.before, args.after, ignore=set(filter(None, args.ignore.split(","))))
    for line in found:
        print(line)
    print("same marts" if not found else f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
