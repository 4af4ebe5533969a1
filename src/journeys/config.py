"""One frozen ``Settings``, built at the CLI or flow edge from a YAML file and passed down.

Library code never reads environment variables: the CLI and the flows do, and pass the result in.
Durations are written ``30m``, ``2h``, ``14d``, ``90s`` (or plain seconds).
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import math
import re
import zoneinfo
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path, PurePath
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

import msgspec

from journeys.errors import ConfigError
from journeys.yamltext import safe_load, syntax_error

DEFAULT_WAREHOUSE = Path("warehouse/journeys.duckdb")
"""The published warehouse of every command, the demo, the notebooks and docs/analysts.md."""
SOURCES = ("customers", "transactions", "web", "support")
EVENT_SOURCES = ("transactions", "web", "support")

_NUMBER = r"(\d++(?:\.\d++)?+)"
_SECONDS = re.compile(_NUMBER)
_PART = re.compile(r"\s*+" + _NUMBER + r"\s*+([a-z]++)\s*+(?:,|and\b)?+", re.I)
"""One part of a duration as people write it: ``30m``, ``2 days``, ``1h`` of ``1h30m``, ``1 hour
and 30 minutes``. Every quantifier possessive: linear whatever the text (an old pattern took
seconds on a number followed by 20,000 spaces)."""
_ISO = re.compile(
    r"P(?:" + _NUMBER + r"W)?+(?:" + _NUMBER + r"D)?+"
    r"(?:T(?:" + _NUMBER + r"H)?+(?:" + _NUMBER + r"M)?+(?:" + _NUMBER + r"S)?+)?+",
    re.I,
)
"""An ISO 8601 duration in weeks, days, hours, minutes and seconds (``PT2H``, ``P1DT12H``), as
BPMN timers write it; years and months have no fixed length and are refused."""
_ISO_SECONDS = (604800, 86400, 3600, 60, 1)
_CALENDAR = re.compile(r"\d\s*+(?:months?|mo|years?|yrs?|y)\b|^P(?:\d++Y)?+\d++M|^P\d++Y", re.I)
"""A duration in months or years (``2 months``, ``1y``, ``P1M``): refused, saying why."""
_MEMORY = re.compile(
    r"(\d++(?:\.\d++)?+)\s*+([kmgt]i?b|b|bytes?|(?:kilo|mega|giga|tera)bytes?|%)", re.I
)
"""A DuckDB memory size: ``8GB``, ``512 MiB``, ``80%``."""
_MEMORY_UNITS = {
    **{unit: 1 for unit in ("b", "byte", "bytes")},
    **{f"{p}b": 1000**n for n, p in enumerate("kmgt", 1)},
    **{f"{p}ib": 1024**n for n, p in enumerate("kmgt", 1)},
    **{f"{w}byte{s}": 1000**n for n, w in enumerate(("kilo", "mega", "giga", "tera"), 1)
       for s in ("", "s")},
}  # fmt: skip
_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 604800),
}


def memory_bytes(limit: str) -> int | None:
    """A DuckDB memory size in bytes (``'1.5 GiB'`` -> 1610612736); None for a share of the
    machine's memory (``'80%'``) or text that is no memory size."""
    found = _MEMORY.fullmatch(limit.strip())
    if found is None or found.group(2) == "%":
        return None
    return int(float(found.group(1)) * _MEMORY_UNITS[found.group(2).lower()])


def parse_duration(value: str | int | float, *, field: str = "duration") -> int:
    """``'30m'`` -> 1800. Raises ``ValueError`` naming the field and the accepted forms."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: {value!r} is not a duration; write e.g. 30m, 2h or 14d")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"{field}: {value!r} is not a duration; write e.g. 30m, 2h or 14d")
        if value < 0:
            raise ValueError(f"{field}: {value!r} is negative; durations are >= 0")
        return int(value)
    seconds = _duration_seconds(str(value).strip())
    if seconds is None:
        calendar = _CALENDAR.search(str(value)) is not None
        why = " (months and years have no fixed length)" if calendar else ""
        raise ValueError(f"{field}: {value!r} is not a duration{why}; write e.g. 30m, 2h or 14d")
    return int(seconds)


def _duration_seconds(text: str) -> float | None:
    """Seconds of a duration written ``3600`` (seconds), ``30m``, ``1h30m``, ``2 days``,
    ``1 hour and 30 minutes`` or in ISO 8601 (``PT2H``); None for anything else."""
    if _SECONDS.fullmatch(text):
        return float(text)
    iso = _ISO.fullmatch(text)
    if iso is not None:
        if len(text) < 3 or text.upper().endswith(("P", "T")):
            return None  # 'P', 'PT', 'P1DT': no amount after the designator
        return sum(float(n or 0) * unit for n, unit in zip(iso.groups(), _ISO_SECONDS, strict=True))
    total, pos = 0.0, 0
    while pos < len(text):
        part = _PART.match(text, pos)
        unit = _UNIT_SECONDS.get(part.group(2).lower()) if part else None
        if part is None or unit is None:
            return None
        total, pos = total + float(part.group(1)) * unit, part.end()
    return total if pos else None


@functools.cache
def phone_regions() -> frozenset[str]:
    """The regions phonenumbers has metadata for (its ``SUPPORTED_REGIONS``), read from the
    names of its data files (``data/region_DE.py``): importing phonenumbers costs 10 ms, in
    every command that reads a configuration with a phone region, and only the phone parser
    needs it. A layout without those files falls back to the import."""
    spec = importlib.util.find_spec("phonenumbers")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    names = [p.name for folder in folders for p in (Path(folder) / "data").glob("region_??.py")]
    if names:
        return frozenset(name[len("region_") : -len(".py")] for name in names)
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


class SettingsError(ValueError):
    """A setting that cannot be read: its dotted ``field`` (``sources.web.timezone``) and what
    is wrong with it and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field '{field}': {message}" if field else message)
        self.field, self.message = field, message


Check = Callable[[Any, str], Any]
"""A field's own rule: the delivered value and the field's dotted path in, the value to convert
out (``'30m'`` -> 1800); a ValueError names the problem and the fix. A value of a type the rule
does not read passes through, and msgspec names the type it expected."""


class _Frozen(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A frozen settings record. ``validate_settings`` builds one from plain values: each field's
    rule in ``_checks`` first, then msgspec converts and checks the types (``'5'`` reads as 5,
    an unknown field is an error). Constructed directly, a record applies its rules, not the
    type checks."""

    _checks: ClassVar[dict[str, Check]] = {}
    _nested: ClassVar[dict[str, type[_Frozen]]] = {}
    """Fields holding another record: their rules are applied at their own paths."""

    def __post_init__(self) -> None:
        """Constructed directly (tests, library callers), a record applies its fields' rules
        too: ``SessionSettings(gap_seconds='30m')`` holds 1800. (Read from plain values, they
        ran before, at the fields' full paths; they give the same value again.)"""
        for name, check in self._checks.items():
            value = getattr(self, name)
            checked = check(value, name)
            if checked is not value:
                msgspec.structs.force_setattr(self, name, checked)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (typed values; not checked again)."""
        return msgspec.structs.replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        """The record as JSON values (paths as text, tuples as lists): fingerprints, Prefect."""
        data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self, enc_hook=_encode))
        return data


def _encode(value: Any) -> Any:
    if isinstance(value, PurePath):
        return str(value)
    raise NotImplementedError(f"{type(value).__name__} is no setting value")


def _decode(kind: type, value: Any) -> Any:
    if kind is Path and isinstance(value, str | PurePath):
        return Path(value)
    raise ValueError(f"Expected a path, got `{type(value).__name__}`")


def _prepared(record: type[_Frozen], data: Any, where: str) -> Any:
    """``data`` with each field's rule applied, nested records included; raises SettingsError
    naming the field."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, value in data.items():
        field = f"{where}.{name}" if where else str(name)
        if name in record._nested:
            out[name] = _prepared(record._nested[name], value, field)
        if name in record._checks:
            try:
                out[name] = record._checks[name](out[name], field)
            except SettingsError:
                raise
            except ValueError as exc:
                raise SettingsError(field, str(exc)) from None
    return out


_AT = re.compile(r"\[(\d+)\]|\[\.\.\.\]")
"""An index in msgspec's path (``$.touchpoints[0]``) and the mark of a mapping's value."""
R = TypeVar("R", bound=_Frozen)
_UNKNOWN = re.compile(r"Object contains unknown field `(.+)`")
_UNKNOWN_FIX = "no such setting; check its spelling and level against docs/configuration.md"


def _convert(record: type[R], data: Any, where: str = "") -> R:
    """``data`` as a ``record``, its rules applied and its types checked by msgspec."""
    prepared = _prepared(record, data, where)
    try:
        return msgspec.convert(prepared, record, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        message, _, at = str(exc).partition(" - at `$")
        path = _AT.sub(lambda m: f".{m.group(1)}" if m.group(1) else "", at.rstrip("`"))
        unknown = _UNKNOWN.fullmatch(message)
        if unknown:  # named as the field it is, as a misspelt field is looked for
            path, message = f"{path}.{unknown.group(1)}", _UNKNOWN_FIX
        raise SettingsError(f"{where}{path}".strip("."), message) from None


def _when_text(rule: Callable[[str], str]) -> Check:
    """A rule for a text field: other types pass through to msgspec's type check."""
    return lambda value, field: rule(value) if isinstance(value, str) else value


def _region(value: Any, field: str) -> str | None:
    """``' de '`` -> ``'DE'``: a region phonenumbers knows (ISO 3166 alpha-2), or None."""
    if value is None:
        return None
    code = str(value).strip().upper()
    if code not in phone_regions():
        raise ValueError(
            f"{field}: {value!r} is not a phone region; write a two-letter country code, e.g. DE"
        )
    return code


def _code(value: Any, field: str) -> str:
    """``' eur '`` -> ``'EUR'``; a currency code is three letters."""
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(
            f"{field}: {value!r} is not a currency code; write three letters, e.g. EUR"
        )
    return code


def _text_encoding(value: str) -> str:
    try:
        known = getattr(codecs.lookup(value), "_is_text_encoding", True)
    except LookupError:
        known = False
    if not known:  # rot13 and base64 are codecs, but not text encodings
        raise ValueError(f"{value!r} is not a text encoding; use utf-8, utf-16 or latin-1")
    return value


def time_zone(value: str) -> str:
    """``value`` if it names a time zone, else a ValueError naming it and the fix (the closest
    zone name when one is close: a typo)."""
    if value == "UTC" or _loads_as_zone(value):
        return value
    zones = zoneinfo.available_timezones()  # a walk of the tz database: about 10 ms
    if zones and value not in zones:  # no tz database: DuckDB decides
        from difflib import get_close_matches

        close = get_close_matches(value, sorted(zones), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(
            f"{value!r} is not a time zone{hint}; use an IANA name such as Europe/Berlin or UTC"
        )
    return value


def _loads_as_zone(value: str) -> bool:
    """Whether ``value`` is a zone ``zoneinfo.available_timezones()`` lists, known without
    listing them: a normalised key of a zone file (not the ``right/`` or ``posix/`` variants,
    nor ``posixrules``, which that list leaves out). False: ask the list."""
    if value == "posixrules" or value.startswith(("right/", "posix/")):
        return False
    try:
        zoneinfo.ZoneInfo(value)
    except Exception:  # not found, not normalised, not a zone file: the list decides
        return False
    return True


def _duration(value: Any, field: str) -> Any:
    return parse_duration(value, field=field) if isinstance(value, str | int | float) else value


def _date_time(value: Any, field: str) -> Any:
    """An ISO-8601 text (``2026-03-31 23:59``, ``2026-03-31T23:59:59Z``) as a datetime."""
    if not isinstance(value, str):
        return value
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date and time; write ISO-8601, e.g. 2026-03-31T23:59:59Z"
        ) from None


def _positive(value: Any, field: str, example: str, *, zero: bool = False) -> float:
    """A finite number > 0 (>= 0 with ``zero``), else ValueError naming the field."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        what = "a number >= 0" if zero else "a positive number"
        raise ValueError(f"{field}: {value!r} is not {what}; write e.g. {example}")
    return float(value)


def _date_format(value: Any, field: str) -> Any:
    """A timestamp layout: strptime directives (``%d.%m.%Y``) or ``excel``."""
    if isinstance(value, str) and value != "excel" and "%" not in value:
        raise ValueError(
            f"{value!r} is no layout; write strptime directives such as '%d.%m.%Y %H:%M', or "
            "excel for Excel's day numbers"
        )
    return value


class SourceSettings(_Frozen, frozen=True, kw_only=True):
    """Where one source's files land and how to read them."""

    path: str | None = None
    """A folder or glob, relative to the configuration file's folder."""
    format: Literal["auto", "csv", "jsonl", "parquet", "excel", "ga4"] = "auto"
    """How the source's files are read: by their names (``auto``), as the format given, or
    ``ga4``: Google Analytics 4's BigQuery export (JSON lines or Parquet; the web source)."""
    sheet: str | None = None
    """The sheet of an Excel or OpenDocument workbook to read (a name, or its number from 1);
    default: the first."""
    timezone: str = "UTC"
    """Timezone of naive timestamps in this source."""
    encoding: str = "utf-8"
    """Text encoding of CSV/JSONL files: utf-8, utf-16 or latin-1."""
    date_format: str | None = None
    """The layout of this source's timestamps when they are not ISO-8601, as strptime writes it
    (``%d.%m.%Y %H:%M``, ``%m/%d/%Y %I:%M %p``), or ``excel`` for Excel's day numbers: as
    import-log's ``--date-format``. A timestamp it does not read is rejected naming how it is
    written."""
    decimal: Literal[".", ","] = "."
    """The decimal separator of this source's amounts: ``.`` (19.90) or ``,`` (19,90, and
    1.249,70 with dots grouping thousands), as a European export writes them."""
    column_map: dict[str, str] = msgspec.field(default_factory=dict)
    """Contract column -> column name in the delivered file, e.g. ``occurred_at: ts``."""
    phone_region: str | None = None
    """Country whose national format this source's phones are written in (``US``, ``DE``);
    default: the global ``phone_region``."""
    milestones: dict[str, str] = msgspec.field(default_factory=dict)
    """A ticket- or order-per-row export's time columns, each the event it records: delivered
    column -> event_type (``Created at: ticket_created``, ``Solved at: ticket_solved``). Each
    filled one is an event of the row's ticket (support) or order (transactions); the file then
    needs no event_id, event_type or occurred_at column."""
    contacts: tuple[str, ...] = ()
    """The CRM's other columns that hold its customers' email addresses or phone numbers
    (``Phone - Mobile``, ``Additional emails``): each value read as an address (it holds an @)
    or a number, several in one field split at ``;``, ``,`` or ``|``. ``customers`` only."""

    _checks: ClassVar[dict[str, Check]] = {
        "phone_region": _region,
        "encoding": _when_text(_text_encoding),
        "timezone": _when_text(time_zone),
        "date_format": _date_format,
    }


class TouchpointRule(_Frozen, frozen=True, kw_only=True):
    """Maps (source, event_type, optional field globs) to a touchpoint name and its owners, or,
    with ``skip``, leaves the events it matches out of the journeys (an analytics tool's events
    that record no step of the customer's: GA4's user_engagement, scroll, session_start)."""

    source: str
    event_type: str = "*"
    match: dict[str, str] = msgspec.field(default_factory=dict)
    touchpoint: str | None = None
    channel: str | None = None
    team: str | None = None
    system: str | None = None
    skip: bool = False
    """The events this rule matches stay in raw and staging, counted per batch
    (``marts.data_quality.skipped``), and are no touchpoint of any journey."""


class SessionSettings(_Frozen, frozen=True, kw_only=True):
    gap_seconds: int = 1800
    """A new session starts when the gap to the previous event is strictly greater than this."""
    max_seconds: int = 86400
    """A session is cut when it would last longer than this."""
    split_by_channel: bool = False

    _checks: ClassVar[dict[str, Check]] = {"gap_seconds": _duration, "max_seconds": _duration}


class JourneySettings(_Frozen, frozen=True, kw_only=True):
    horizon_seconds: int = 14 * 86400
    """A new journey starts when the gap to the previous event is strictly greater than this."""
    start_touchpoints: tuple[str, ...] = ()
    end_touchpoints: tuple[str, ...] = ()
    cutoff: datetime | None = None
    """The data's cut-off for in-flight status; default: the latest event in the warehouse."""

    _checks: ClassVar[dict[str, Check]] = {"horizon_seconds": _duration, "cutoff": _date_time}


class DriftSettings(_Frozen, frozen=True, kw_only=True):
    """Gap history and drift (docs/maps.md, *Gap history and drift*)."""

    grain: Literal["day", "week"] = "week"
    """The periods of marts.map_gap_history: journeys by the day or the week (Monday) they
    started, in ``timezone``."""
    timezone: str = "UTC"
    """The zone whose days, weeks and months are the periods (the gap history, drift and
    marts.map_journeys.period): the business's own (America/New_York), so an evening's journeys
    are not counted in the next day. Changing it measures the history again."""
    baseline_periods: Annotated[int, msgspec.Meta(ge=1, le=52)] = 4
    """A period is compared with the pooled periods just before it, this many."""
    fdr: Annotated[float, msgspec.Meta(gt=0, lt=1)] = 0.01
    """False discovery rate controlled across the gaps of a map and period (Benjamini-Hochberg)."""
    notify_block: str | None = None
    """A Prefect notification block (``slack-webhook/cx-alerts``) the flows send each new drift
    event to; unset: the events are Prefect artifacts and ``journeys.drift`` events only."""

    _checks: ClassVar[dict[str, Check]] = {"timezone": _when_text(time_zone)}


class EffortSettings(_Frozen, frozen=True, kw_only=True):
    """What counts as effort for ``marts.journey_effort`` (docs/marts.md has the definitions)."""

    handoff_sla_seconds: int = 86400
    """A handoff waiting longer than this is late (missed), unless a configured map's ``within``
    gives the SLA of that step after the step before it."""
    repeat_window_seconds: int = 7 * 86400
    """A contact within this time of the customer's previous contact on the same ticket or the
    same topic (support category) is a repeat contact."""
    contact_touchpoints: tuple[str, ...] = ()
    """Touchpoints that are a customer contact; empty: support events of event type ``contact``."""
    reopen_touchpoints: tuple[str, ...] = ()
    """Touchpoints that reopen a ticket; empty: support events of type ``ticket_reopened``."""

    _checks: ClassVar[dict[str, Check]] = {
        "handoff_sla_seconds": _duration,
        "repeat_window_seconds": _duration,
    }


def _contact_values(value: Any, field: str) -> Any:
    """Blocked identifiers: each an email address (it holds an @) or a phone number (it holds
    digits), so that a value in neither form is named here rather than matching nothing."""
    if not isinstance(value, list | tuple):
        return value
    for i, item in enumerate(value):
        text = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        if not isinstance(text, str) or ("@" not in text and not any(c.isdigit() for c in text)):
            raise ValueError(
                f"{field}[{i}]: {item!r} is neither an email address nor a phone number; list "
                "the addresses and numbers that identify nobody (values holding no address, "
                "such as n/a, identify nobody already)"
            )
    return tuple(str(item) for item in value)


class IdentitySettings(_Frozen, frozen=True, kw_only=True):
    """What identifies a person (docs/configuration.md, *Identity*)."""

    blocked: tuple[str, ...] = ()
    """Email addresses and phone numbers that identify nobody, in any spelling (the shop's own
    support address, the switchboard number agents type for a caller who gave none): the
    tickets and CRM rows carrying one are not joined through it."""

    _checks: ClassVar[dict[str, Check]] = {"blocked": _contact_values}


def _positive_values(example: str, *, zero: bool = False) -> Check:
    """A rule for a mapping of numbers: each value ``_positive`` at ``field.key``."""

    def check(value: Any, field: str) -> Any:
        if isinstance(value, dict):
            for key, number in value.items():
                _positive(number, f"{field}.{key}", example, zero=zero)
        return value

    return check


def _weight(value: Any, field: str) -> Any:
    """A positive weight; a number written as text (``'2'``) is read here, so that ``'0'`` is
    named at this field, not at the record msgspec would have converted it in."""
    if isinstance(value, str):
        with suppress(ValueError):  # not a number: msgspec names the type it expected
            value = float(value)
    return _positive(value, field, "1") if isinstance(value, int | float) else value


class CustomerValue(_Frozen, frozen=True, kw_only=True):
    """How much a customer weighs in a gap's value at risk (``ranking: value_weighted``): a CRM
    column holding each customer's value, or a weight per CRM segment. Weights are relative: a
    map's finished journeys weigh 1 on average, so value at risk stays in money."""

    column: str | None = None
    """A numeric column of the customers file (kept as an attribute), e.g. ``lifetime_value``."""
    segments: dict[str, float] = msgspec.field(default_factory=dict)
    """Weight per CRM segment, e.g. ``{vip: 3}``; other segments weigh ``default``."""
    default: float = 1.0
    """The weight of a customer whose segment is not listed (or who has none). With ``column``,
    a customer without a value there weighs as much as the average customer."""

    _checks: ClassVar[dict[str, Check]] = {"segments": _positive_values("3"), "default": _weight}

    @property
    def configured(self) -> bool:
        return self.column is not None or bool(self.segments)


def _keyed(value: str) -> str:
    if not value.strip():
        raise ValueError(
            "empty, so emails and phone numbers would be hashed without a key and could be "
            "looked up from a list of addresses; set salt: to a secret per company"
        )
    return value


def _currency(value: Any, field: str) -> Any:
    return _code(value, field) if value is not None else None


def _rates(value: Any, field: str) -> Any:
    if not isinstance(value, dict):
        return value
    rates = {}
    for code, rate in value.items():
        where = f"{field}.{code}"
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            raise ValueError(f"{where}: {rate!r} is not a positive number; write e.g. 1.06")
        if rate == float("inf"):
            raise ValueError(f"{where}: {rate!r} is not a finite number; write e.g. 1.06")
        rates[_code(code, where)] = float(rate)
    return rates


def _memory_size(value: Any, field: str) -> Any:
    if value is not None and not _MEMORY.fullmatch(str(value).strip()):
        raise ValueError(f"{value!r} is not a memory size; write e.g. 8GB, 512MB or 80%")
    return value


def _sources(value: Any, field: str) -> Any:
    """Each source read at its own path (``sources.web.timezone``): msgspec's paths do not
    name a mapping's keys."""
    if not isinstance(value, dict):
        return value
    return {name: _convert(SourceSettings, src, f"{field}.{name}") for name, src in value.items()}


class Settings(_Frozen, frozen=True, kw_only=True):
    """Everything a run needs. Paths are absolute once loaded."""

    warehouse: Path = DEFAULT_WAREHOUSE
    landing: Path | None = None
    sources: dict[str, SourceSettings] = msgspec.field(default_factory=dict)
    touchpoints: tuple[TouchpointRule, ...] = ()
    sessions: SessionSettings = msgspec.field(default_factory=SessionSettings)
    journeys: JourneySettings = msgspec.field(default_factory=JourneySettings)
    maps: tuple[Path, ...] = ()
    reports: Path = Path("reports")
    salt: str = "journeys-default-salt"
    """Key for hashing direct identifiers (emails, phones). Set your own in production."""
    min_support: int = 20
    """Gaps affecting fewer journeys than this are not ranked."""
    drift: DriftSettings = msgspec.field(default_factory=DriftSettings)
    phone_region: str | None = None
    """Country national phone numbers are read in when a source names none (``DE``); unset:
    only numbers with a country code (``+49…``, ``0049…`` needs a region) parse."""
    currency: str | None = None
    """The currency journey values are added up in (ISO code, e.g. ``EUR``). Unset: the one
    currency the transactions use; transactions in several currencies need it."""
    exchange_rates: dict[str, float] = msgspec.field(default_factory=dict)
    """Units of ``currency`` per unit of another currency (``CHF: 1.06``): amounts in that
    currency are converted. A transaction currency without a rate stops the build, naming it."""
    effort: EffortSettings = msgspec.field(default_factory=EffortSettings)
    identity: IdentitySettings = msgspec.field(default_factory=IdentitySettings)
    customer_value: CustomerValue = msgspec.field(default_factory=CustomerValue)
    ranking: Literal["impact", "value_weighted"] = "impact"
    """How gaps are ranked: by ``impact`` (outcomes lost, in money), or ``value_weighted``: each
    journey's lost outcome weighs its customer's ``customer_value`` (value at risk too)."""
    touchpoint_costs: dict[str, float] = msgspec.field(default_factory=dict)
    """Cost of one event of a touchpoint, in ``currency`` (``Phone support: 4.5``), for the
    return of each touchpoint in ``marts.touchpoint_impact``."""
    partitions: Annotated[int, msgspec.Meta(ge=1, le=4096)] = 1
    """Split the path build into this many customer-hash partitions (1: one process, as before).
    Each partition builds its customers' events, sessions and journeys in its own DuckDB file;
    the writer merges them, so the marts are identical to a one-process build."""
    dask_address: str | None = None
    """Run the partitions on this Dask scheduler (``tcp://host:8786``) through prefect-dask;
    ``local`` starts a local cluster for the run; unset: threads in the flow's process."""
    partition_folder: Path | None = None
    """Where partitions exchange Parquet files (default: ``<warehouse>.partitions`` beside the
    warehouse). On a remote cluster it must be a folder every worker sees at the same path."""
    data_folder: Path | None = None
    """Where the marts' Parquet files live (default: ``<warehouse>.data`` beside the published
    file; ADR 0004). On a remote cluster, a folder every worker sees at the same path."""
    memory_limit: str | None = None
    """DuckDB ``memory_limit`` of the writer and of each partition (e.g. ``8GB``); beyond it DuckDB
    spills to ``temp_directory``. Unset: DuckDB's default (80 % of RAM)."""
    temp_directory: Path | None = None
    """Where DuckDB spills (default: DuckDB's, beside the database file)."""

    _nested: ClassVar[dict[str, type[_Frozen]]] = {
        "sessions": SessionSettings,
        "journeys": JourneySettings,
        "drift": DriftSettings,
        "effort": EffortSettings,
        "identity": IdentitySettings,
        "customer_value": CustomerValue,
    }
    _checks: ClassVar[dict[str, Check]] = {
        "sources": _sources,
        "phone_region": _region,
        "salt": _when_text(_keyed),
        "currency": _currency,
        "exchange_rates": _rates,
        "touchpoint_costs": _positive_values("4.5", zero=True),
        "memory_limit": _memory_size,
    }

    def source(self, name: str) -> SourceSettings:
        return self.sources.get(name, SourceSettings())


def _check_rule(at: int, rule: TouchpointRule) -> None:
    """A rule names its touchpoint, or skips the events it matches: one of the two."""
    field = f"touchpoints.{at}"
    if rule.skip and (rule.touchpoint or rule.channel or rule.team or rule.system):
        raise SettingsError(
            field,
            "a rule that skips its events gives them no touchpoint, channel, team or system; "
            "remove skip: true, or those",
        )
    if not rule.skip and not (rule.touchpoint or "").strip():
        raise SettingsError(
            field,
            "give the touchpoint its events become (touchpoint: View pricing), or skip: true to "
            "leave them out of the journeys",
        )


MILESTONE_SOURCES = {"support": "ticket_id", "transactions": "order_id"}
"""The sources whose rows may be a ticket or an order with a column per milestone, and the
column naming the ticket or order each event belongs to."""
DERIVED = ("event_id", "event_type", "occurred_at")
"""The contract columns milestones make: none is read from the file."""


def _check_milestones(name: str, source: SourceSettings) -> None:
    if not source.milestones:
        return
    if name not in MILESTONE_SOURCES:
        raise SettingsError(
            f"sources.{name}.milestones",
            "only a help desk's tickets (support) or a shop's orders (transactions) are exported "
            "a row per ticket or order with a column per milestone",
        )
    mapped = [c for c in DERIVED if c in source.column_map]
    if mapped:
        raise SettingsError(
            f"sources.{name}.column_map",
            f"{', '.join(mapped)} come from milestones (the column's name says the event, its "
            "value the time, the row's ticket or order and both the id); remove them from "
            "column_map",
        )
    blank = [c for c, event in source.milestones.items() if not c.strip() or not event.strip()]
    if blank:
        raise SettingsError(
            f"sources.{name}.milestones",
            "each milestone needs a column name and an event type, e.g. {Solved at: ticket_solved}",
        )
    events = [event.strip() for event in source.milestones.values()]
    twice = sorted({event for event in events if events.count(event) > 1})
    if twice:
        raise SettingsError(
            f"sources.{name}.milestones",
            f"{', '.join(twice)} is the event of two columns; give each milestone column an "
            "event of its own (a row's two times would be one event, the other lost)",
        )


def validate_settings(data: Any) -> Settings:
    """``Settings`` from plain values (a configuration's mapping, a flow's parameters): each
    field's rule, the types, and the rules between fields; raises SettingsError naming the
    first field that is wrong."""
    settings = _convert(Settings, data)
    for name, source in settings.sources.items():
        if source.contacts and name != "customers":
            raise SettingsError(
                f"sources.{name}.contacts",
                "only the CRM lists more contact columns; move them to sources.customers.contacts",
            )
        _check_milestones(name, source)
        if source.format == "ga4" and name != "web":
            raise SettingsError(
                f"sources.{name}.format",
                "ga4 is Google Analytics 4's export of web events; only sources.web reads it",
            )
    for at, rule in enumerate(settings.touchpoints):
        _check_rule(at, rule)
    value_of = settings.customer_value
    if value_of.column is not None and value_of.segments:
        raise SettingsError(
            "customer_value.segments",
            "give customer_value.column or customer_value.segments, not both; a customer's "
            "value is either a CRM column or its segment's weight",
        )
    if settings.ranking == "value_weighted" and not value_of.configured:
        raise SettingsError(
            "ranking",
            "value_weighted needs customer values; set customer_value.column (a CRM "
            "column) or customer_value.segments (a weight per segment, e.g. {vip: 3})",
        )
    return settings


PATH_KEYS = ("warehouse", "landing", "reports", "partition_folder", "data_folder", "temp_directory")
"""Settings holding a path: relative to the configuration file's folder."""


def _resolve(base: Path, value: Any) -> Any:
    return str((base / value).resolve()) if isinstance(value, str) else value


MAX_DEPTH = 32
"""A configuration nests four levels (sources, a source, its fields, a list): far deeper is
not a configuration."""


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than ``limit`` levels in ``value`` (no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return False


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read a YAML configuration (or defaults) and apply keyword overrides (``None`` is ignored).

    Relative paths in the file are relative to the file's folder.
    """
    data: dict[str, Any] = {}
    base = Path.cwd()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: file not found; pass an existing --config file")
        import yaml  # only with a file: a command given none never loads PyYAML

        try:
            loaded = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(syntax_error(path, exc, "fix the syntax")) from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                f"{exc.start}); save the configuration as UTF-8"
            ) from None
        except RecursionError:
            raise ConfigError(f"{path}: nested too deeply; see docs/configuration.md") from None
        if _deeper_than(loaded, MAX_DEPTH):  # libyaml builds any depth without a RecursionError
            raise ConfigError(f"{path}: nested too deeply; see docs/configuration.md")
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: top level must be a mapping of settings")
        data = loaded or {}
        base = path.parent.resolve()
        for key in PATH_KEYS:
            if key in data:
                data[key] = _resolve(base, data[key])
        if "maps" in data and isinstance(data["maps"], list):
            data["maps"] = [_resolve(base, m) for m in data["maps"]]
        for src in (data.get("sources") or {}).values():
            if isinstance(src, dict) and "path" in src:
                src["path"] = _resolve(base, src["path"])
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = validate_settings(data)
    except SettingsError as exc:
        where = str(path) if path is not None else "settings"
        raise ConfigError(f"{where}: {exc}; see docs/configuration.md") from None
    unknown = set(settings.sources) - set(SOURCES)
    if unknown:
        raise ConfigError(
            f"{path or 'settings'}: field 'sources.{sorted(unknown)[0]}': unknown source; "
            f"use one of {', '.join(SOURCES)}"
        )
    warehouse = Path(settings.warehouse)
    if warehouse.is_dir():  # its files would be made beside the folder: <folder>.work.duckdb
        raise ConfigError(
            f"warehouse {warehouse}: is a folder; name the warehouse file in it, e.g. "
            f"--warehouse {warehouse / 'journeys.duckdb'}"
        )
    return settings
