"""The fast text macros give what DuckDB's own functions give, on any text.

``journeys_trim`` and ``journeys_blank`` skip DuckDB's ``trim`` (slow: it decodes both ends of
every value) for a value that starts and ends with a printable ASCII character;
``journeys_ts_is_naive`` decides a value ending in Z without trimming it. Each must equal the
plain form on every value, Unicode space separators and control characters included.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.warehouse.sqltext import SQL_DIR

SPACES = " \u00a0\u1680\u2000\u2009\u200a\u202f\u205f\u3000\t\n\r\x0b\x0c\u200b\x7f"
EDGES = [
    None, "", " ", "x", " x", "x ", "\u00a0x", "x\u00a0", "\u3000", "\tx", "x\n", "é", "xé",
    "éx ", "a b", "~", "!", "x\u0301", "日本", "\x7f", "2026-03-01T10:00:00Z",
    "2026-03-01T10:00:00Z ", "2026-03-01 10:00", "2026-03-01 10:00 UTC", "1700000000", "Z",
]  # fmt: skip
text = st.text(alphabet=st.sampled_from(SPACES) | st.characters(codec="utf-8"), max_size=12)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute((SQL_DIR / "ddl" / "macros.sql").read_text())
    yield connection
    connection.close()


def differences(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> list[tuple]:
    con.execute("create or replace temp table v (s varchar)")
    con.executemany("insert into v values (?)", [[value] for value in values])
    plain_naive = """not regexp_matches(
        trim(s), '([Zz]|[+-]\\d\\d(:?\\d\\d)?|(?i:utc|gmt)|[A-Za-z_]+/[A-Za-z0-9_+\\-/]+|\\])$'
    ) and not regexp_full_match(trim(s), '\\d{10}|\\d{13}|\\d{10}\\.\\d{1,9}')"""
    return con.execute(
        f"""
        select s from v
        where journeys_trim(s) is distinct from trim(s)
            or journeys_blank(s) is distinct from (s is null or trim(s) = '')
            or journeys_ts_is_naive(s) is distinct from ({plain_naive})
        """
    ).fetchall()


def test_edge_values(con: duckdb.DuckDBPyConnection) -> None:
    assert differences(con, EDGES) == []
    trimmed = dict(con.execute("select s, journeys_trim(s) from v where s is not null").fetchall())
    assert trimmed[" x"] == "x" and trimmed["\u00a0x"] == "x" and trimmed["\tx"] == "\tx"
    blank = dict(con.execute("select s, journeys_blank(s) from v where s is not null").fetchall())
    assert blank["\u3000"] and blank[""] and not blank["x"]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), text), min_size=1, max_size=30))
def test_any_text(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    assert differences(con, values) == []
