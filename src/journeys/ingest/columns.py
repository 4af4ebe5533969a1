"""The one place that knows a delivered file's column names: which delivered column fills each
contract column, and the name lists the landing SQL takes as parameters.

The SQL never splices a delivered name into its text: ``sql/ingest/landing_table.sql`` selects
the contract columns with ``COLUMNS($keys)`` into a list ``_v`` and packs the others into
``attributes``; ``landing_jsonl.sql`` reads JSON paths. The ``contract_<source>`` models name
the contract columns ``_v[$at.<column>]``. So a delivered column can be called anything,
``_line`` or ``attributes`` included: it never meets a column journeys adds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from journeys.config import DERIVED, MILESTONE_SOURCES
from journeys.errors import IngestError

MISSING_FIX = (
    "rename them in the export or map them under sources.<source>.column_map (e.g. occurred_at: ts)"
)


@dataclass(frozen=True)
class Spec:
    """What a source wants from a file: its contract columns, the configured column map, the
    columns it may lack, and the fix a missing one's message gives."""

    source: str
    """The source (``contract_<source>.sql`` names its columns)."""
    columns: tuple[str, ...]
    column_map: dict[str, str]
    optional: tuple[str, ...] = ()
    only_mapped: tuple[str, ...] = ()
    """Optional columns found only through the column map, never by their own name."""
    missing_fix: str = MISSING_FIX
    defaults: dict[str, str] = field(default_factory=dict)
    """The names a file's format gives contract columns (GA4's ``user_pseudo_id``), looked for
    when the column map names none; an optional one the file lacks loads empty."""
    milestones: tuple[tuple[str, str], ...] = ()
    """(delivered column, event type) of a ticket- or order-per-row export's time columns
    (``sources.<source>.milestones``): the file's event_id, event_type and occurred_at come
    from them (``ingest/milestones.sql``), not from columns of those names."""


def resolve(
    name: str, delivered: Sequence[str], spec: Spec, *, nested: bool = False
) -> dict[str, str | None]:
    """Contract column -> delivered column (exact name, else case/space-insensitive; None for
    an optional column the file lacks and the column map does not name). A required column
    missing, or a column the map names that the file lacks, fails the file. ``nested`` (JSON
    lines): a mapped name ``properties.path`` whose first part is a key names a nested value
    (``nested_path``), as Segment, RudderStack and PostHog exports hold page paths."""
    loose = {c.strip().lower(): c for c in delivered}
    chosen: dict[str, str | None] = {}
    missing: list[str] = []
    for column in spec.columns:
        wanted = spec.column_map.get(column) or spec.defaults.get(column, column)
        owner = bool(spec.milestones) and column == MILESTONE_SOURCES.get(spec.source)
        if spec.milestones and column in DERIVED:
            chosen[column] = None  # made of the milestones below
        elif column in spec.only_mapped and column not in spec.column_map:
            chosen[column] = None
        elif (found := _found(wanted, delivered, loose, nested=nested)) is not None:
            chosen[column] = found
        elif column in spec.optional and column not in spec.column_map and not owner:
            chosen[column] = None
        else:
            missing.append(column if wanted == column else f"{column} (mapped to '{wanted}')")
    for time_column, _ in spec.milestones:
        found = _found(time_column, delivered, loose, nested=nested)
        chosen[milestone_key(time_column)] = found
        if found is None:
            missing.append(f"milestone '{time_column}' (sources.{spec.source}.milestones)")
    if missing:
        seen = ", ".join(delivered[:12]) + (" …" if len(delivered) > 12 else "")
        raise IngestError(
            f"{name}: missing column(s) {', '.join(missing)}; the file has {seen}. "
            f"To fix, {spec.missing_fix}. Nothing was loaded from it"
        )
    return chosen


def _found(
    wanted: str, delivered: Sequence[str], loose: dict[str, str], *, nested: bool
) -> str | None:
    """The delivered column named ``wanted``: by its exact name, else case- and
    space-insensitively (``loose``: each name so written -> its delivered name), else, in JSON
    lines, a nested value whose first part is a key (None: the file has no such column)."""
    if wanted in delivered:
        return wanted
    if wanted.strip().lower() in loose:
        return loose[wanted.strip().lower()]
    if nested and "." in wanted and wanted.split(".", 1)[0] in delivered:
        return wanted
    return None


def milestone_key(name: str) -> str:
    """The name milestone column ``name`` has among the chosen columns (no contract column's;
    a refusal that names the chosen column reads ``milestone 'Solved at'``)."""
    return f"milestone '{name}'"


def milestone_params(spec: Spec, params: dict[str, Any], width: int) -> dict[str, Any]:
    """``params`` for ``ingest/milestones.sql``: where each milestone's time lies in ``_v``
    (``width`` values long), its event type and column name, where the row's ticket or order
    lies, and the places past ``width`` where the model puts each event's id, type and time."""
    at = dict(params["at"])
    made = {column: width + i for i, column in enumerate(DERIVED, start=1)}
    return {
        **params,
        "at": {k: v for k, v in at.items() if not k.startswith("milestone ")} | made,
        "milestone_at": [at[milestone_key(name)] for name, _ in spec.milestones],
        "milestone_types": [event for _, event in spec.milestones],
        "milestone_columns": [name for name, _ in spec.milestones],
        "owner_at": at[MILESTONE_SOURCES[spec.source]],
        "owner_name": "order" if spec.source == "transactions" else "ticket",
    }


def refuse_repeated(
    name: str, written: Sequence[str], delivered: Sequence[str], chosen: dict[str, str | None]
) -> None:
    """A contract column chosen by a name the header holds more than once (case aside: the
    reader reads the second ``activity`` as ``activity_1``) fails the file: which one is meant
    is not clear, and the first was taken without a word. A copy named as it is read
    (``activity_1``) is a choice. ``written``: the header as written, in ``delivered``'s order
    (no check when the two differ in length)."""
    if len(written) != len(delivered):
        return
    places: dict[str, list[int]] = {}
    for at, column in enumerate(written):
        places.setdefault(column.strip().lower(), []).append(at)
    for column, key in chosen.items():
        if key is None or key not in delivered:
            continue
        at = list(delivered).index(key)
        same = places[written[at].strip().lower()]
        if len(same) < 2 or key.strip().lower() != written[at].strip().lower():
            continue
        copies = " and ".join(f"column {i + 1} (read as '{delivered[i]}')" for i in same)
        raise IngestError(
            f"{name}: the header names '{written[at]}' more than once, {copies}, so which one "
            f"is the {column} is not clear; rename one in the export, or name the one you mean "
            "as it is read. Nothing was loaded from it"
        )


def table_params(
    delivered: Sequence[str], chosen: dict[str, str | None], *, empty: Sequence[str] = ()
) -> dict[str, Any]:
    """Parameters of ``landing_table.sql``: ``COLUMNS($keys)`` yields the chosen columns in
    file order (each once), so ``$at`` points each contract column at its place there. The
    ``empty`` columns (no name and no value: ``unnamed_columns``) are no attribute."""
    used = {key for key in chosen.values() if key is not None}
    keys = [c for c in delivered if c in used]
    extras = [c for c in delivered if c not in used and c not in empty]
    return {
        "keys": keys,
        "at": _positions(chosen, keys),
        "extras": extras or keys,  # COLUMNS([]) is an error; $has_extras drops the stand-in
        "has_extras": bool(extras),
    }


def unnamed_columns(
    written: Sequence[str], delivered: Sequence[str], chosen: dict[str, str | None]
) -> list[str]:
    """The columns whose header cell is empty (read as ``column3``), as a header ending in its
    delimiter gives them, and not chosen for the contract: with no value in any record
    (``ingest/blank_columns``) they are no attribute, not an empty ``column3`` on every row."""
    if len(written) != len(delivered):
        return []
    used = set(chosen.values())
    return [d for w, d in zip(written, delivered, strict=True) if not w.strip() and d not in used]


def jsonl_params(delivered: Sequence[str], chosen: dict[str, str | None]) -> dict[str, Any]:
    """Parameters of ``landing_jsonl.sql``: one JSON path per chosen key (``$paths``, read in
    one parse of the line), and the structure that reads the other keys as JSON values."""
    keys = list(dict.fromkeys(key for key in chosen.values() if key is not None))
    extras = [key for key in delivered if key not in set(keys)]
    return {
        "paths": [json_path(key) if key in delivered else nested_path(key) for key in keys],
        "at": _positions(chosen, keys),
        "extras": json.dumps(dict.fromkeys(extras or ["_"], "JSON")),
        "has_extras": bool(extras),
    }


def _positions(chosen: dict[str, str | None], keys: list[str]) -> dict[str, int | None]:
    return {col: (keys.index(key) + 1 if key is not None else None) for col, key in chosen.items()}


def json_path(key: str) -> str:
    """The JSON path of one top-level key: ``$."key"``, quotes and backslashes escaped."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nested_path(dotted: str) -> str:
    """The JSON path of a dotted name: ``properties.path`` is ``$."properties"."path"``."""
    return "$" + "".join(json_path(part)[1:] for part in dotted.split("."))
