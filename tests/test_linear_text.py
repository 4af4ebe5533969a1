"""Patterns run on text users deliver finish in time linear in the text (issue #23).

The email pattern of the report's redaction backtracked: 40 KB of letters took 5 s and a 500 KB
touchpoint never finished, so one long label hung ``journeys report``. Each check below times a
1 MB label of the shapes that make a backtracking pattern retry (runs of letters, dots, digits,
separators, ``@`` without a domain) and also a quarter of it: four times the text must take about
four times as long, not sixteen (the margin between the two keeps the check steady on a busy
machine).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from journeys import steps
from journeys.compare.maps import parse_map
from journeys.config import Settings, parse_duration
from journeys.publish import open_work
from journeys.report.text import _mask_emails, escape_controls, html_text, redact_text, slugify

MB = 1_000_000

SHAPES: dict[str, Callable[[int], str]] = {
    "letters": lambda n: "a" * n,
    "dots": lambda n: "a." * (n // 2),
    "at then no dot": lambda n: "a@" + "b" * n,
    "domain without end": lambda n: "a@b" + ".c" * (n // 2) + "@",
    "many ats": lambda n: "a@" * (n // 2),
    "emails glued": lambda n: "a@b.c+" * (n // 6),
    "digits": lambda n: "1" * n,
    "digits and dashes": lambda n: "1--" * (n // 3),
    "spaced digits": lambda n: "1 " * (n // 2),
    "phone-like runs": lambda n: "12345678 " * (n // 9),
}


def seconds(function: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
    return best


def assert_linear(function: Callable[[str], object], make: Callable[[int], str]) -> float:
    """The time for 1 MB: under 5 s (0.03-0.7 s on an idle machine; the old email pattern never
    finished), and under 8x the time for 250 KB (linear: 4x, quadratic: 16x; plus timer noise)."""
    quarter, whole = seconds(function, make(MB // 4)), seconds(function, make(MB))
    assert whole < 5.0, whole
    assert whole < 8 * quarter + 0.05, (quarter, whole)
    return whole


@pytest.mark.parametrize("shape", SHAPES)
def test_redaction_of_a_1_mb_label_is_linear(shape: str):
    assert_linear(redact_text, SHAPES[shape])


def test_a_1_mb_label_still_loses_its_email_and_phone():
    label = "x" * MB + " mail jane.doe@example.com or call +44 20 7946 0958 " + "y" * MB
    shown = html_text(label)
    assert "jane.doe" not in shown and "7946" not in shown
    assert shown.count("[email]") == 1 and shown.count("[phone]") == 1


REFERENCE_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""The pattern redaction used to run (it backtracks): the scanner must find the same emails."""


def test_emails_are_the_ones_the_old_pattern_found():
    rng = random.Random(23)
    for alphabet in ("ab1.-+@ _é\n", "a.@-", "a@.+", "ab@.c"):
        for _ in range(20_000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
            assert _mask_emails(text) == REFERENCE_EMAIL.sub("[email]", text), text
    glued = "jane@x.com.+bob@y.org"  # the second email starts inside the first one's run
    assert redact_text(glued) == "[email][email]" == REFERENCE_EMAIL.sub("[email]", glued)


def test_other_patterns_on_user_text_are_linear():
    """Terminal escaping (every CLI line), slugs (map names), durations (journeys.yaml and
    within:, whose old pattern took 1.3 s on 20,000 spaces) and ignore: globs (fnmatch)."""
    assert_linear(escape_controls, lambda n: "\x1b[2J" * (n // 4))
    assert_linear(slugify, lambda n: "a-" * (n // 2))
    for make in (
        lambda n: "1" + " " * n + "x",
        lambda n: "1" * n + "x",
        lambda n: "1h" * (n // 2) + "x",  # parts: 1h1h1h...
        lambda n: "1 h and " * (n // 8) + "x",
        lambda n: "PT" + "1" * n + "x",  # ISO 8601
    ):
        assert_linear(lambda text: pytest.raises(ValueError, parse_duration, text), make)
    journey_map = parse_map(
        {"name": "m", "ignore": ["*a*a*a*a*b"], "stages": [{"name": "S", "steps": ["x", "y"]}]},
        source="m.yaml",
    )
    assert_linear(journey_map.is_ignored, lambda n: "a" * n)


def _publish_seconds(tmp_path: Path, size: int) -> float:
    """Publish a work file whose raw.rejects holds lines of ``size`` characters shaped to make a
    backtracking pattern retry; the published copy masks them with SQL regexp_replace."""
    settings = Settings(warehouse=tmp_path / str(size) / "journeys.duckdb")
    lines = [make(size) for make in SHAPES.values()]
    with open_work(settings, step="ingest") as wh:
        wh.write_table("marts.events", pl.DataFrame({"event_id": ["e1"]}))
        wh.write_table(
            "raw.rejects",
            pl.DataFrame(
                {
                    "batch_id": "b1",
                    "source": "web",
                    "file": "web.jsonl",
                    "row_number": range(len(lines)),
                    "raw": lines,
                    "reason": "hostile",
                }
            ),
        )
    started = time.perf_counter()
    steps.publish(settings)
    return time.perf_counter() - started


def test_sql_masks_of_published_rejects_are_linear(tmp_path: Path):
    """DuckDB's regexp_* run RE2, which cannot backtrack: the masks of raw.rejects take about
    twice as long on lines twice as long (and well under a second per MB)."""
    half, whole = _publish_seconds(tmp_path, MB // 2), _publish_seconds(tmp_path, MB)
    assert whole < 3 * half + 0.5, (half, whole)
    assert whole < 10, whole
