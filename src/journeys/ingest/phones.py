"""Phone numbers in one normal form, so a desk's ``0160 3821092`` meets the CRM's ``+49 160…``.

Every distinct delivered value (not every row) is parsed once with ``phonenumbers`` (Google's
libphonenumber metadata) and written to ``raw.phone_numbers`` (source, phone, phone_norm,
is_parsed, is_placeholder: it holds the numbers, so it lives in raw, which is never published);
the staging models join it back and hash ``phone_norm``. The normal form is the
E.164 number without its ``+`` (``491603821092``): a number written in national format is read
in its source's region (``sources.<source>.phone_region``, else ``phone_region``); one whose
``+`` a spreadsheet dropped is read with it (``_plus_dropped``); one with words beside it is the
one number in it (``_parse``). A value the library cannot parse (no region for a national
number, an unknown country code, too short) keeps the digits-only rule (``00`` dropped) and
counts in ``marts.data_quality.unparsed_phones``. A placeholder (``0``, ``000-000-0000``,
``1.23457E+11``: sql/raw/phone_numbers.sql) keeps its row but keys no contact.

Cost: the library takes 15-20 µs per value, so values whose E.164 form is already spelled out
(``+`` and the digits, as CRMs write them) skip it when the library's own metadata says it would
change nothing: a known country code and a national part its region's national prefix cannot
match (sql/ingest/phone_spelled.sql; tests/test_phones.py checks it against the library on every
country code). The keys and that check are SQL (sql/ingest/phone_*.sql), so a build imports no
frame library for its phones (polars and NumPy: 0.12 s of a small build). A national number of
digits alone behind a trunk 0 (``01603821092``) in a region whose only national prefix is that 0
(DE, FR, NL and 88 more) is read by the library's own rule for it, from its metadata, in about
1 µs (``TrunkZero``; a test checks it against the library in every such region). The rest
(national numbers of other regions, trunk prefixes after a country code, ``+49 (0) 160…``, odd
values) are parsed by the library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from journeys.config import Settings
from journeys.warehouse import Warehouse

if TYPE_CHECKING:  # the library loads only where numbers are parsed
    from phonenumbers import PhoneNumber

PHONE_SOURCES = ("customers", "support")
TABLE = "raw.phone_numbers"
COLUMNS = {
    "source": "VARCHAR",
    "phone": "VARCHAR",
    "phone_norm": "VARCHAR",
    "is_parsed": "BOOLEAN",
    "is_placeholder": "BOOLEAN",
}


@dataclass(frozen=True)
class PhoneResult:
    values: int
    """Distinct delivered values (per source)."""
    parsed_by_library: int
    """Keys read by the library or its trunk-0 rule (``TrunkZero``): a value, or its compact
    form; the rest were already E.164."""
    unparsed: int
    """Keys it could not read: they keep their digits (marts.data_quality counts the values)."""


def phone_regions(settings: Settings) -> dict[str, str | None]:
    """The region national numbers of each source are read in."""
    return {s: settings.source(s).phone_region or settings.phone_region for s in PHONE_SOURCES}


def normalize_phones(wh: Warehouse, settings: Settings) -> PhoneResult:
    """Write ``raw.phone_numbers`` for every distinct phone value in raw (see module doc)."""
    if not wh.scalar("queries/phone_count"):  # not even the library for none
        wh.write_rows(TABLE, COLUMNS, [])
        return PhoneResult(values=0, parsed_by_library=0, unparsed=0)
    return phone_table(wh, phone_regions(settings))


def phone_table(
    wh: Warehouse, regions: Mapping[str, str | None], values: str | None = "queries/phone_values"
) -> PhoneResult:
    """Write ``raw.phone_numbers`` (source, phone, phone_norm, is_parsed, is_placeholder) for the
    distinct (source, phone) rows of the query file ``values`` (None: of a relation
    ``phone_values``). ``regions``: source -> default region (None: international numbers only)."""
    import phonenumbers

    wh.run_script("ddl/macros", once=True)  # journeys_placeholder_number
    codes = [str(c) for c in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)]
    inputs = {"phone_values": values} if values else None
    wh.materialize_temp(
        "phone_keys",
        "ingest/phone_keys",
        inputs=inputs,
        sources=list(regions),
        regions=list(regions.values()),
    )
    wh.materialize_temp("phone_coded", "ingest/phone_coded", codes=codes)
    present = [int(code) for (code,) in wh.rows("ingest/phone_codes")]
    wh.materialize_temp("phone_spelled", "ingest/phone_spelled", prefixes=_prefixes(present))
    todo = wh.rows("ingest/phone_todo")
    read = [_parse(key, region) for key, region in todo]
    norms = [
        number[0] if number else _digits(key) for number, (key, _) in zip(read, todo, strict=True)
    ]
    parsed = [number is not None for number in read]
    rows = wh.run_model(
        "raw/phone_numbers",
        keys=[key for key, _ in todo],
        key_regions=[region for _, region in todo],
        norms=norms,
        nationals=[n[1] if n else norm for n, norm in zip(read, norms, strict=True)],
        parsed=parsed,
    )
    # the keys of every value, held until the connection closes otherwise (the whole build)
    wh.drop_temp("phone_keys", "phone_coded", "phone_spelled")
    unparsed = sum(not ok and norm is not None for norm, ok in zip(norms, parsed, strict=True))
    return PhoneResult(values=rows, parsed_by_library=len(todo), unparsed=unparsed)


_LETTER = re.compile(r"[^\W\d_]")
"""A letter of any script (a word beside the number)."""


@dataclass(frozen=True)
class TrunkZero:
    """How the library reads a national number of digits alone in a region whose national
    prefix for parsing is the trunk 0 alone (no transform rule), and which is its country
    code's main region (so that its ``is_possible_number`` asks the same metadata): the 0 is
    stripped, and the rest, of a possible length, is the national significant number
    (``phonenumbers.parse``: ``_maybe_strip_national_prefix_carrier_code``, then
    ``_test_number_length``). ``read`` answers only where that is the whole of the library's
    reading, and None where the library decides."""

    country_code: str
    international_prefix: re.Pattern[str]
    """The region's international dialling prefix (``00``): a value starting with it the
    library may read as an international number."""
    national_pattern: re.Pattern[str] | None
    """The region's national numbers (its general description); None: the metadata has none."""
    lengths: frozenset[int]
    """The possible lengths of a national significant number (not those dialled locally only)."""

    def read(self, value: str) -> tuple[str, str] | None:
        """The E.164 digits and the national part of ``value`` as ``_parse_by_library`` reads
        them, or None when this rule does not settle it."""
        if not (value.isascii() and value.isdigit()) or value[0] != "0" or value[1:2] in ("", "0"):
            return None  # not 0 and then a national part not starting with 0 (an empty one too)
        if self.international_prefix.match(value):
            return None
        national = value[1:]
        if len(national) not in self.lengths:
            return None  # the library keeps the 0, or calls the number not possible
        pattern = self.national_pattern
        if pattern is not None and pattern.fullmatch(value) and not pattern.fullmatch(national):
            return None  # a national number with its 0, which the library keeps
        return self.country_code + national, national


@cache
def trunk_zero(region: str) -> TrunkZero | None:
    """The region's ``TrunkZero`` rule, or None where the library reads its numbers otherwise
    (a national prefix other than 0 or beside it, a transform rule, a region sharing its country
    code's metadata with another, an unknown region)."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if (
        metadata is None
        or metadata.country_code is None
        or metadata.general_desc is None
        or metadata.national_prefix_for_parsing != "0"
        or metadata.national_prefix_transform_rule
        or metadata.international_prefix is None
        or phonenumbers.region_code_for_country_code(metadata.country_code) != region.upper()
    ):
        return None
    general = metadata.general_desc
    local = set(general.possible_length_local_only or ())
    lengths = frozenset(n for n in general.possible_length if n not in local and 2 <= n <= 17)
    return TrunkZero(
        country_code=str(metadata.country_code),
        international_prefix=re.compile(metadata.international_prefix),
        national_pattern=re.compile(general.national_number_pattern)
        if general.national_number_pattern
        else None,
        lengths=lengths,
    )


def _parse(value: str, region: str | None) -> tuple[str, str] | None:
    """``_parse_by_library``, with a national number of a trunk-0 region read by the library's
    rule for it (``TrunkZero``) without the library's parse (20 µs a number)."""
    if region is not None and (rule := trunk_zero(region)) is not None:
        read = rule.read(value)
        if read is not None:
            return read
    return _parse_by_library(value, region)


def _parse_by_library(value: str, region: str | None) -> tuple[str, str] | None:
    """The library's E.164 form without '+' and its national part (national significant
    number), or None when it cannot parse the value. A national number (its country taken from
    ``region``) must be a possible number there, by length: a German ``0160 3821092`` in a US
    source is not read as the US number ``+1 01603821092``.

    A value with words in it (``Mobile: +49 160 3821092``, ``+1 555 000 0746 (work)``) is read
    as the one number the library's matcher finds in it: parsed whole, the library reads the
    words' letters as a vanity number's digits (``(mobile)`` as 662453, a number that never
    was). A value holding two numbers (``+49 160 … / +49 30 …``), or digits outside the one
    found (a German ``0160 3821092 (Handy)`` in a US source, where only 3821092 reads as a US
    number), is not one number: None."""
    import phonenumbers
    from phonenumbers import CountryCodeSource, Leniency, PhoneNumberFormat

    if _LETTER.search(value):
        found = [
            m.raw_string
            for m in phonenumbers.PhoneNumberMatcher(value, region, leniency=Leniency.POSSIBLE)
        ]
        if len(found) > 1 or (found and _digits(found[0]) != _digits(value)):
            return None  # two numbers, or digits the region's numbers leave out: not one
        if found and found[0] != value:
            return _parse_by_library(found[0], region)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if region is not None and (plussed := _plus_dropped(value, region)) is not None:
        number = plussed
    elif region is not None and not phonenumbers.is_possible_number(number):
        # where its country came from (raw input changes the formatting: parsed again, rarely)
        source = phonenumbers.parse(value, region, keep_raw_input=True).country_code_source
        if source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
            return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")
    return e164, phonenumbers.national_significant_number(number)


_DIGITS_ONLY = re.compile(r"[1-9][0-9]{6,16}")


def _plus_dropped(value: str, region: str) -> PhoneNumber | None:
    """The international number a value of digits alone spells with its + dropped, as a
    spreadsheet drops it from ``+491603821092``: in a region whose national numbers are written
    with a trunk prefix of 0 (``0160 3821092``), digits that start with the region's own country
    code instead, and read with a + are a valid number. None for any other value (the library
    reads ``491603821092`` in DE as a national number, +49 491603821092)."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    text = value.strip()
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or metadata.national_prefix != "0" or not _DIGITS_ONLY.fullmatch(text):
        return None
    if not text.startswith(str(metadata.country_code)):
        return None
    try:
        number = phonenumbers.parse("+" + text, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def blocked_numbers(values: Sequence[str], regions: Iterable[str | None]) -> list[str]:
    """The normal forms of ``identity.blocked``'s phone numbers (its values without an @): each
    read in every region a source reads national numbers in, as the delivered numbers are, so
    that a number blocked as ``030 1234567`` is blocked however a source's numbers read it."""
    found = set()
    for value in values:
        if "@" in value:
            continue
        for region in set(regions):
            number = _parse(value, region)
            norm = number[0] if number else _digits(value)
            if norm:
                found.add(norm)
    return sorted(found)


def _digits(value: str) -> str | None:
    """The rule before the library: digits only, a leading 00 dropped; None without digits."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("00"):
        digits = digits[2:]
    return digits or None


def _prefixes(codes: list[int]) -> str | None:
    """One pattern over ``'<code>:<national part>'`` matching where the national-prefix pattern
    of the code's main region matches the start of the national part, for ``codes`` (None when
    none of them strips a prefix)."""
    found = [(code, _prefix_pattern(code)) for code in codes]
    either = "|".join(f"{code}:{pattern}" for code, pattern in found if pattern)
    return f"^(?:{either})" if either else None


@cache
def _prefix_pattern(country_code: int) -> str | None:
    """The national-prefix pattern of the country code's main region, as a group (the library
    matches it at the start of the national part), or None when that region strips none."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    pattern = metadata.national_prefix_for_parsing if metadata is not None else None
    return f"(?:{pattern})" if pattern else None
