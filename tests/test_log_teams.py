"""An imported log's team or resource column (``--team-col``; XES: org:group): a change of it
inside a case is a handoff, as pm4py's handover of work counts them. Hand-written logs; the real
help-desk log's handoffs are checked in tests/test_helpdesk_cx.py."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from journeys.cli import main

EVENT = (
    '<event><string key="concept:name" value="{activity}"/>{group}'
    '<string key="org:resource" value="{resource}"/>'
    '<date key="time:timestamp" value="2024-03-0{day}T{hour}:00:00+01:00"/></event>'
)
T1 = [  # activity, org:group (None: the event has none), org:resource
    ("Register", "Front desk", "Ann"),
    ("Check", "Back office", "Bob"),
    ("Check", "Back office", "Cid"),
    ("Decide", "Front desk", "Ann"),
    ("Notify", None, "Dee"),
]
T2 = [("Register", "Front desk", "Ann"), ("Decide", "Front desk", "Eve")]


def xes(*, groups: bool) -> str:
    traces = []
    for name, events in (("T-1", T1), ("T-2", T2)):
        body = "".join(
            EVENT.format(
                activity=activity,
                group=f'<string key="org:group" value="{group}"/>' if groups and group else "",
                resource=resource,
                day=1 + i // 3,
                hour=10 + i,
            )
            for i, (activity, group, resource) in enumerate(events)
        )
        traces.append(f'<trace><string key="concept:name" value="{name}"/>{body}</trace>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" '
        f'xmlns="http://www.xes-standard.org/">{"".join(traces)}</log>\n'
    )


def imported(tmp_path: Path, capsys, text: str, *flags: str, name: str = "log.xes") -> tuple:
    """import-log and build in a warehouse of their own: the import's summary, the handoffs."""
    log, warehouse = tmp_path / name, tmp_path / "wh" / "journeys.duckdb"
    tmp_path.mkdir(exist_ok=True)
    log.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["--warehouse", str(warehouse), "import-log", str(log), *flags]) == 0
    summary = capsys.readouterr().out
    assert main(["--warehouse", str(warehouse), "build"]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        handoffs = con.sql(
            "select e.case_id, h.from_team, h.to_team, h.is_bounce "
            "from marts.journey_handoffs as h "
            "join (select distinct journey_id, case_id from marts.events) as e using (journey_id) "
            "order by e.case_id, h.step_index"
        ).pl()
        teams = con.sql("select distinct team from marts.events where team is not null").pl()
    return summary, handoffs, set(teams["team"])


def test_an_xes_logs_org_group_is_its_team_with_no_flag(tmp_path: Path, capsys):
    summary, handoffs, teams = imported(tmp_path, capsys, xes(groups=True))
    assert "teams from org:group" in summary
    assert teams == {"Front desk", "Back office"}
    assert handoffs.rows() == [
        ("T-1", "Front desk", "Back office", False),
        ("T-1", "Back office", "Front desk", True),  # handed straight back
    ]


def test_org_resource_is_a_team_only_when_named(tmp_path: Path, capsys):
    """A resource is often a person's name: it reaches the marts and reports only when the user
    names it; without, the summary says how."""
    summary, handoffs, teams = imported(tmp_path / "kept", capsys, xes(groups=False))
    assert "org:resource is kept as an attribute: --team-col org:resource" in summary
    assert handoffs.is_empty() and teams == set()

    summary, handoffs, teams = imported(
        tmp_path / "named", capsys, xes(groups=True), "--team-col", "org:resource"
    )
    assert "teams from org:resource" in summary
    assert teams == {"Ann", "Bob", "Cid", "Dee", "Eve"}
    pairs = [(case, a, b) for case, a, b, _ in handoffs.rows()]
    assert pairs == [
        ("T-1", "Ann", "Bob"), ("T-1", "Bob", "Cid"), ("T-1", "Cid", "Ann"),
        ("T-1", "Ann", "Dee"), ("T-2", "Ann", "Eve"),
    ]  # fmt: skip


def test_a_resource_named_by_its_email_is_masked(tmp_path: Path, capsys):
    csv = (
        "case,activity,time,agent\n"
        "c1,Open,2024-03-01T10:00:00Z,ann.smith@example.com\n"
        "c1,Answer,2024-03-01T11:00:00Z, Tier 2 \n"
        "c1,Close,2024-03-01T12:00:00Z,\n"
    )
    flags = ["--case-col", "case", "--activity-col", "activity", "--timestamp-col", "time"]
    summary, handoffs, teams = imported(
        tmp_path, capsys, csv, *flags, "--team-col", "agent", name="log.csv"
    )
    assert "3 accepted" in summary and "teams from agent" in summary
    assert "ann.smith" not in str(teams) and "Tier 2" in teams  # trimmed
    assert handoffs.height == 1
    assert "example.com" not in handoffs["from_team"][0]
    work = tmp_path / "wh" / "journeys.work.duckdb"
    with duckdb.connect(str(work), read_only=True) as con:  # the spaced team is trimmed in place
        changed = con.sql("select team from staging.stg_log_changes").pl()["team"].to_list()
    assert changed == ["[email]"]


def test_a_team_column_the_log_lacks_is_named(tmp_path: Path, capsys):
    log, warehouse = tmp_path / "log.csv", tmp_path / "journeys.duckdb"
    log.write_text("case,activity,time\nc1,Open,2024-03-01T10:00:00Z\n", encoding="utf-8")
    flags = ["--case-col", "case", "--activity-col", "activity", "--timestamp-col", "time"]
    code = main(["--warehouse", str(warehouse), "import-log", str(log), *flags, "--team-col", "x"])
    assert code == 1
    assert "team (mapped to 'x')" in (err := capsys.readouterr().err)
    assert "--timestamp-col and --team-col" in err


@pytest.mark.parametrize("groups", [True, False])
def test_the_same_events_again_change_nothing(tmp_path: Path, capsys, groups: bool):
    """The team is part of an event's content key: the same log again loads no event."""
    log, warehouse = tmp_path / "log.xes", tmp_path / "journeys.duckdb"
    log.write_text(xes(groups=groups), encoding="utf-8")
    copy = tmp_path / "copy.xes"
    copy.write_text(xes(groups=groups), encoding="utf-8")
    for path in (log, copy):
        assert main(["--warehouse", str(warehouse), "import-log", str(path)]) == 0
    # the copy loads nothing: its summary does not offer a team column again
    assert "0 accepted" in (again := capsys.readouterr().out.splitlines()[-1])
    assert "--team-col" not in again
    with duckdb.connect(str(warehouse.with_suffix(".work.duckdb")), read_only=True) as con:
        rows = con.sql("select count(*) filter (where not _is_duplicate) from raw.log").pl()
    assert rows.item() == len(T1) + len(T2)
    assert isinstance(rows, pl.DataFrame)


MAP = """\
name: {name}
stages:
  - name: All
    steps:
      - name: Register
      - name: Check
        repeatable: true
      - name: Decide{within}
      - name: Notify
"""


def test_a_map_given_with_map_judges_its_handoffs_by_its_own_within(tmp_path: Path, capsys):
    """The build knows only configured maps' SLAs; a map compared with --map judged its
    handoffs by the 1-day default, while its page said "the map's within". T-1 waits 25 hours
    from Check (Back office) to Decide (Front desk)."""
    imported(tmp_path, capsys, xes(groups=True))
    warehouse = tmp_path / "wh" / "journeys.duckdb"
    maps = []
    for name, within in (("default", ""), ("patient", "\n        within: 2d")):
        maps += ["--map", str(tmp_path / f"{name}.yaml")]
        (tmp_path / f"{name}.yaml").write_text(MAP.format(name=name, within=within))
    head = ["--warehouse", str(warehouse)]
    assert main([*head, "compare", *maps]) == 0
    assert main([*head, "report", "--out", str(tmp_path / "r"), *maps]) == 0
    missed = {}
    for name in ("default", "patient"):
        page = (tmp_path / "r" / f"{name}.html").read_text(encoding="utf-8")
        missed[name] = re.search(r"Handoffs missed</div>.*?class=\"sub\">([^<]*)<", page, re.S)[1]
        # no contact in a log: no columns or words about repeat contacts and reopenings
        assert "Then a repeat contact" not in page and "reopened ticket" not in page
    assert missed == {"default": "1 of 2 handoffs", "patient": "0 of 2 handoffs"}


def test_a_column_named_like_a_resource_is_offered_not_taken(tmp_path: Path, capsys):
    """A Disco or Celonis export's 'Resource' column: offered for --team-col when the case,
    activity and time columns are asked for, and noted after an import without it."""
    log, warehouse = tmp_path / "export.csv", tmp_path / "journeys.duckdb"
    log.write_text(
        "Case ID,Activity,Complete Timestamp,Resource,Ordinal\n"
        "1,Open,2012/10/09 14:50:17.000,Value 1,1\n"
        "1,Close,2012/10/09 15:50:17.000,Value 2,2\n",
        encoding="utf-8",
    )
    head = ["--warehouse", str(warehouse), "import-log", str(log)]
    assert main(head) == 1
    assert "Optional: --team-col Resource makes a change of who handled" in capsys.readouterr().err
    flags = ["--case-col", "Case ID", "--activity-col", "Activity"]
    assert main([*head, *flags, "--timestamp-col", "Complete Timestamp"]) == 0
    out = capsys.readouterr().out
    assert "2 accepted" in out
    assert "Resource is kept as an attribute: --team-col Resource counts a change" in out


OCEL = """{"objectTypes": [{"name": "order", "attributes": []}],
 "eventTypes": [{"name": "place", "attributes": [{"name": "resource", "type": "string"}]},
                {"name": "pay", "attributes": [{"name": "resource", "type": "string"}]}],
 "objects": [{"id": "o1", "type": "order"}, {"id": "o2", "type": "order"}],
 "events": [
  {"id": "e1", "type": "place", "time": "2026-03-01T10:00:00Z",
   "attributes": [{"name": "resource", "value": "Web shop"}],
   "relationships": [{"objectId": "o1", "qualifier": ""}]},
  {"id": "e2", "type": "place", "time": "2026-03-01T11:00:00Z",
   "attributes": [{"name": "resource", "value": "Web shop"}],
   "relationships": [{"objectId": "o2", "qualifier": ""}]},
  {"id": "e3", "type": "pay", "time": "2026-03-02T10:00:00Z",
   "attributes": [{"name": "resource", "value": "Payments"}],
   "relationships": [{"objectId": "o1", "qualifier": ""}, {"objectId": "o2", "qualifier": ""}]}
 ]}
"""


def test_an_ocel_event_attribute_can_be_the_team(tmp_path: Path, capsys):
    """One payment event shared by two orders is a handoff in each order's journey."""
    flags = ["--object-type", "order"]
    summary, handoffs, _ = imported(tmp_path / "kept", capsys, OCEL, *flags, name="log.json")
    assert "resource is kept as an attribute: --team-col resource" in summary
    assert handoffs.is_empty()
    summary, handoffs, teams = imported(
        tmp_path / "named", capsys, OCEL, *flags, "--team-col", "resource", name="log.json"
    )
    assert teams == {"Web shop", "Payments"}
    assert handoffs.rows() == [
        ("o1", "Web shop", "Payments", False),
        ("o2", "Web shop", "Payments", False),
    ]


def test_a_log_without_teams_is_told_how_to_get_its_handoffs(tmp_path: Path, capsys):
    """Its page said "No handoff in this map's journeys was missed" over a 0.0 teams card:
    there was no handoff to miss."""
    imported(tmp_path, capsys, xes(groups=False))
    head = ["--warehouse", str(tmp_path / "wh" / "journeys.duckdb")]
    (tmp_path / "m.yaml").write_text(MAP.format(name="plain", within=""))
    assert main([*head, "compare", "--map", str(tmp_path / "m.yaml")]) == 0
    out = ["--out", str(tmp_path / "r"), "--map", str(tmp_path / "m.yaml")]
    assert main([*head, "report", *out]) == 0
    page = (tmp_path / "r" / "plain.html").read_text(encoding="utf-8")
    effort = page[page.index('id="effort"') :]
    assert "No handoff between teams in this map's journeys: no event names a team" in effort
    assert "--team-col</code>" in effort and "was missed" not in effort
