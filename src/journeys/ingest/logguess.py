"""Which columns of an event log look like its case, activity, timestamp or team, by name: the
columns a missing column flag's message offers (``likely_columns``), and the column an import
without ``--team-col`` could have taken as the team (``team_candidate``)."""

from __future__ import annotations

import re
from collections.abc import Collection

STANDARD_KEYS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
}
"""The XES keys of each role, as pm4py names a log's columns in a frame, a CSV or Parquet export:
a table with them is read as an XES log is, no flag needed (``standard_columns``)."""
LOOKS_LIKE = {
    "case": (
        re.compile(
            r"^case([ _:]?(id|number|no|name|key))?$|case[ _]?(id|name)$|^trace|ticket|incident",
            re.I,
        ),
        re.compile(r"case|trace|order|session|journey|document|_id$|^id$|_key$", re.I),
    ),
    "activity": (
        re.compile(r"^activity|activity$|concept:name|^action$|^event$|^event_?name$", re.I),
        re.compile(r"activit|event|action|step|task|status|name$", re.I),
    ),
    "timestamp": (
        re.compile(r"timestamp|time:|^time$|^ts$|_at$", re.I),
        re.compile(r"time|date|when", re.I),
    ),
    "team": (  # who handled the event: offered for --team-col by name alone, never guessed
        re.compile(
            r"^(org:)?(resource|group|team|agent|assignee|owner|performer|employee|handler|"
            r"handled_by|department|queue|user)s?$",
            re.I,
        ),
        re.compile(r"(?!)"),
    ),
}
"""Per role, the names that look like it strongly, then weakly (offered in that order)."""
NOT_A = {
    "activity": re.compile(
        r"index|idx|_no$|number|^seq|count|_id$|^id$|^case:|\b(time|date)\b|time(stamp)?$"
        r"|(?<!up)date$",
        re.I,
    )
}
"""Names that match a role's words but are a counter, a key, a case's attribute (pm4py writes
a trace's attributes as ``case:…``: ``case:concept:name`` is the case) or a time ('Event
Time', Celonis's 'EVENTTIME', 'EventDate'; an 'Update' is no date), not that role."""
LATER = {"timestamp": re.compile(r"start|begin", re.I)}
"""Names offered after the role's other matches as strong (or as weak): an event log's time is
when the activity completed (Disco and Celonis export 'Start Timestamp' before 'Complete
Timestamp', Apromore 'Start Time' before 'End Time')."""


def likely_columns(role: str, names: list[str]) -> list[str]:
    """The columns whose names look like ``role`` (a key of LOOKS_LIKE): the role's XES key
    first, then strong matches, in the file's order; counters and keys are no activity."""
    strong, weak = LOOKS_LIKE[role]
    unlike = NOT_A.get(role)
    fits = [n for n in names if not (unlike and unlike.search(n))]
    key = STANDARD_KEYS.get(role)
    later = LATER.get(role)
    strongly = [n for n in fits if strong.search(n) and n != key]
    weakly = [n for n in fits if weak.search(n) and n != key and n not in strongly]
    first = [n for n in fits if n == key]
    for matches in (strongly, weakly):  # stable: the file's order inside each group
        first += sorted(matches, key=lambda n: bool(later and later.search(n)))
    return first


def standard_columns(columns: dict[str, str | None], names: list[str]) -> dict[str, str]:
    """The roles ``columns`` leaves unnamed whose XES key is a column of the table (``names``),
    with that key: pm4py's exports read with no flag, as the XES file they came from."""
    return {
        role: key for role, key in STANDARD_KEYS.items() if not columns.get(role) and key in names
    }


def team_candidate(names: list[str], taken: Collection[str | None]) -> str | None:
    """The first column named like who handled each event (a resource, a team, an agent) that
    no other flag took; None when there is none."""
    return next((n for n in likely_columns("team", names) if n not in taken), None)
