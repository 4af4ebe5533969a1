"""The fast text macros give what DuckDB's own functions give, on any text.

``journeys_trim`` and ``journeys_blank`` skip DuckDB's ``trim`` (slow: it decodes both ends of
every value) for a value that starts and ends with a printable ASCII character;
``journeys_ts_is_naive`` decides a value ending in Z without trimming it; ``journeys_parse_ts``
tests the year of its fast paths by comparing the whole value, not a slice. Each must equal the
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
    ) and not regexp_full_match(trim(s), '\\d{10}|\\d{13}|\\d{16}|\\d{19}|\\d{10}\\.\\d{1,9}')"""
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


YEAR_EDGES = ["1900", "1901", "2198", "2199", "0999", "9999", "1899", "2200", "20٢6", "２０２６"]
timestamps = st.builds(
    lambda year, rest, end: f"{year}-03-01{rest}{end}",
    st.sampled_from(YEAR_EDGES) | st.from_regex(r"\A\d{4}\Z", fullmatch=True),
    st.sampled_from(["T10:00:00", " 10:00:00", "T10:00:00.123456", "T10:00", " 10:00:00,5"]),
    st.sampled_from(["", "Z", "+01:00", "-18:00", "+19:00", " UTC", "[Europe/Berlin]", "x"]),
)


def parse_differences(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> list[tuple]:
    """Values whose journeys_parse_ts differs from the macro's earlier form, which tested the
    year on a slice (s[1:4] between '1901' and '2198'; the macro compares the whole value)."""
    con.execute("create or replace temp table v (s varchar)")
    con.executemany("insert into v values (?)", [[value] for value in values])
    sliced = """case
        when s[1:4] between '1901' and '2198' and regexp_full_match(s,
            '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,6})?(Z|[+-](0\\d|1[0-8]):[0-5]\\d)'
        ) then try_cast(s as timestamptz)
        when s[1:4] between '1901' and '2198'
            and regexp_full_match(s, '\\d{4}-\\d\\d-\\d\\d[ T]\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,6})?')
            then timezone('Europe/Berlin', try_cast(s as timestamp))
        when ends_with(rtrim(s), ']') then journeys_ts_bracketed(s)
        else journeys_parse_ts_any(s, 'Europe/Berlin')
    end"""
    return con.execute(
        f"select s from v where journeys_parse_ts(s, 'Europe/Berlin') is distinct from ({sliced})"
    ).fetchall()


def test_the_year_test_reads_as_the_slice_did(con: duckdb.DuckDBPyConnection) -> None:
    edges = [f"{y}-03-01T10:00:00Z" for y in YEAR_EDGES] + [
        f"{y}-03-01 10:00:00" for y in YEAR_EDGES
    ]
    # instants whose offset carries them across 1900 or 2200 (the range the general rules keep)
    edges += ["2198-12-31T23:59:59-18:00", "2199-12-31T23:00:00-05:00", "2199-12-31 23:30:00"]
    edges += ["1901-01-01T00:00:00+18:00", "1900-01-01T05:00:00+06:00", "1900-01-01 00:30:00"]
    assert parse_differences(con, [*edges, *EDGES]) == []
    read = dict(con.execute("select s, journeys_parse_ts(s, 'UTC') from v").fetchall())
    assert read["1901-03-01T10:00:00Z"] is not None and read["2200-03-01T10:00:00Z"] is None


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), timestamps, text), min_size=1, max_size=30))
def test_any_timestamp_text(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    assert parse_differences(con, values) == []


CONTACT_EDGES = [
    "a@b.co", " a@b.co ", "a@b", "@b.co", "x y@b.co", "+49 160 3821092", " +49 160 3821092",
    "0160 3821092", "(0160) 3821092", "0160/3821092", "+49 (0) 160 3821092", "0049 160 3821092",
    "173688", "0000123456", "T-0000371", "+1234567", "+123456789012345", "+1234567890123456",
    "\u00a0+49 160 3821092", "\t0160 3821092", "(0", "+", "0", "", " ", None,
]  # fmt: skip
contacts = st.text(alphabet=st.sampled_from("+0( )1-9./@ab\u00a0\t"), max_size=18)


def contact_differences(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> list[tuple]:
    """Values whose journeys_is_contact differs from the macros' earlier form, which ran their
    regular expressions on every value (they now first test what a match needs)."""
    con.execute("create or replace temp table v (s varchar)")
    con.executemany("insert into v values (?)", [[value] for value in values])
    plain = """regexp_full_match(trim(coalesce(s, '')), '[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+')
    or (length(regexp_replace(coalesce(s, ''), '[^0-9]', '', 'g')) between 8 and 15 and (
        regexp_full_match(trim(s), '(\\+|00)[1-9][0-9 ().-]*')
        or regexp_full_match(trim(s), '\\(?0[1-9][0-9]{0,4}\\)?([ .-]+[0-9]{2,})+')))"""
    return con.execute(
        f"select s from v where journeys_is_contact(s) is distinct from ({plain})"
    ).fetchall()


def test_contact_values_read_as_before(con: duckdb.DuckDBPyConnection) -> None:
    assert contact_differences(con, [*CONTACT_EDGES, *EDGES]) == []
    found = dict(
        con.execute("select s, journeys_is_contact(s) from v where s is not null").fetchall()
    )
    assert found["a@b.co"] and found["(0160) 3821092"] and found["+49 (0) 160 3821092"]
    assert not found["0000123456"] and not found["T-0000371"] and not found["+1234567890123456"]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), contacts, text), min_size=1, max_size=30))
def test_any_contact_text(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    assert contact_differences(con, values) == []
