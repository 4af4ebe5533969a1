"""Effort and attribution on the real help-desk log (/work/shared/data/real), imported with
`--team-col resource`: each event's resource is its team, so a handoff is a ticket passed from
one agent to another. The marts must
agree with counts made here from the CSV with plain Python: handoffs, the late ones (over the 1d
default inside one case), the waiting between agents, and the Markov removal effects of the
activities on the way to 'Closed' (probability mass pushed through the chain, no linear algebra)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import polars as pl
import pytest

from journeys.cli import main
from journeys.compare.conformance import compare_map
from journeys.compare.maps import parse_map

DAY = 86400
MAP = parse_map(
    {
        "name": "helpdesk",
        "goal": "Closed",
        "stages": [
            {"name": "Open", "steps": ["Assign seriousness", "Take in charge ticket"]},
            {"name": "Close", "steps": ["Resolve ticket", "Closed"]},
        ],
    },
    source="helpdesk.yaml",
)


def _rows(path: Path) -> pl.DataFrame:
    """The log in file order (seq = row), ordered inside a case by time, then file order."""
    raw = pl.read_csv(path, schema_overrides={"case_id": pl.String}).with_row_index("seq")
    return raw.with_columns(
        at=pl.col("timestamp").str.to_datetime(time_zone="UTC"), seq=pl.col("seq").cast(pl.Int64)
    ).sort("case_id", "at", "seq")


@pytest.fixture(scope="module")
def marts(helpdesk_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """The log through the commands a user runs: import-log naming ``resource`` as the team
    (``--team-col``), then build."""
    warehouse = tmp_path_factory.mktemp("helpdesk-cx") / "journeys.duckdb"
    head = ["--warehouse", str(warehouse)]
    log = ["--case-col", "case_id", "--activity-col", "activity", "--timestamp-col", "timestamp"]
    assert main([*head, "import-log", str(helpdesk_csv), *log, "--team-col", "resource"]) == 0
    assert main([*head, "build"]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        read = {
            name: con.sql(f"select * from marts.{name}").pl()
            for name in ("journey_effort", "journey_handoffs", "journeys", "events")
        }
    compared = compare_map(MAP, journeys=read["journeys"], events=read["events"], min_support=1)
    return {
        "effort": read["journey_effort"],
        "handoffs": read["journey_handoffs"],
        "journeys": read["journeys"],
        "events": read["events"],
        "touchpoints": compared.touchpoints,
        "rows": _rows(helpdesk_csv),
    }


def test_handoffs_between_agents_match_a_count_from_the_file(marts: dict):
    rows = marts["rows"]
    prev_team = pl.col("resource").shift(1).over("case_id")
    wait = (pl.col("at") - pl.col("at").shift(1).over("case_id")).dt.total_seconds()
    handoffs = rows.with_columns(prev=prev_team, wait=wait).filter(
        pl.col("prev").is_not_null()
        & pl.col("resource").is_not_null()
        & (pl.col("prev") != pl.col("resource"))
    )
    effort, table = marts["effort"], marts["handoffs"]
    assert effort.height == 4580 and table.height == handoffs.height > 5000
    assert effort["handoffs"].sum() == handoffs.height
    late = handoffs.filter(pl.col("wait") > DAY).height
    assert effort["late_handoffs"].sum() == late > 0
    assert table["same_thread"].all()  # one case, one thread: the default SLA applies
    assert effort["waiting_seconds"].sum() == pytest.approx(handoffs["wait"].sum())
    assert effort["contacts"].sum() == 0  # no help-desk contacts in an imported log
    pairs = handoffs.group_by("prev", "resource").len()
    found = table.group_by("from_team", "to_team").len()
    assert sorted(found.rows()) == sorted(pairs.rows())  # pair for pair, 244 of them
    assert found.height == 244


def _walks(marts: dict) -> dict[tuple[tuple[str, ...], bool], int]:
    """The finished cases in the map's scope (touching one of its steps): their activities up
    to the first 'Closed', whether they got there, and how many cases walked so."""
    finished = marts["journeys"].filter(pl.col("status") != "in_flight")["journey_id"]
    walks: dict[tuple[tuple[str, ...], bool], int] = defaultdict(int)
    cases = marts["rows"].filter(pl.col("case_id").is_in(finished.implode()))
    steps = set(MAP.step_names)
    for activities in cases.group_by("case_id", maintain_order=True).agg("activity")["activity"]:
        path = list(activities)
        if not steps & set(path):
            continue  # out of the map's scope
        converted = "Closed" in path
        walks[tuple(path[: path.index("Closed")] if converted else path), converted] += 1
    return walks


def _push(walks: dict, removed: str | None) -> float:
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (path, converted), n in walks.items():
        states = ["start", *path, "conversion" if converted else "null"]
        for a, b in zip(states, states[1:], strict=False):
            counts[a]["null" if b == removed else b] += n
    mass, won = {"start": 1.0}, 0.0
    for _ in range(50_000):
        nxt: dict[str, float] = defaultdict(float)
        for state, m in mass.items():
            total = sum(counts[state].values())
            for target, c in counts[state].items():
                nxt[target] += m * c / total
        won += nxt.pop("conversion", 0.0)
        nxt.pop("null", None)
        mass = nxt
        if sum(mass.values()) < 1e-13:
            break
    return won


def test_removal_effects_match_pushing_the_mass_through_the_cases(marts: dict):
    walks = _walks(marts)
    base = _push(walks, None)
    impact = marts["touchpoints"].filter(pl.col("rank").is_not_null())
    assert impact.height >= 10
    for touchpoint, effect in impact.select("touchpoint", "removal_effect").iter_rows():
        assert effect == pytest.approx(1 - _push(walks, touchpoint) / base, abs=1e-9), touchpoint
    converted = sum(n for (_, ok), n in walks.items() if ok)
    assert impact["attributed_outcomes"].sum() == pytest.approx(converted)
    top = impact.sort("rank")["touchpoint"][0]
    assert top == "Resolve ticket"  # nearly every closed ticket was resolved first
