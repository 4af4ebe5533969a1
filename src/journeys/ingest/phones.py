"""Phone numbers in one normal form, so a desk's ``0160 3821092`` meets the CRM's ``+49 160…``.

Every distinct delivered value (not every row) is parsed once with ``phonenumbers`` (Google's
libphonenumber metadata) and written to ``raw.phone_numbers`` (source, phone, phone_norm,
is_parsed: it holds the numbers, so it lives in raw, which is never published); the staging
models join it back and hash ``phone_norm``. The normal form is the
E.164 number without its ``+`` (``491603821092``): a number written in national format is read
in its source's region (``sources.<source>.phone_region``, else ``phone_region``). A value the
library cannot parse (no region for a national number, an unknown country code, too short)
keeps the digits-only rule (``00`` dropped) and counts in ``marts.data_quality.unparsed_phones``.

Cost: the library takes ~15 µs per value, so values whose E.164 form is already spelled out
(``+`` and the digits, as CRMs write them) skip it when the library's own metadata says it would
change nothing: a known country code and a national part its region's national prefix cannot
match (``_spelled_out``; tests/test_phones.py checks it against the library on every country
code). Only national formats, trunk prefixes (``+49 (0) 160…``) and odd values are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from journeys.config import Settings
from journeys.warehouse import Warehouse

if TYPE_CHECKING:  # imported when there are phone values (an imported log has none): the
    # library's metadata takes 20-30 ms to import, the frames more
    import polars as pl

PHONE_SOURCES = ("customers", "support")
TABLE = "raw.phone_numbers"
COLUMNS = {"source": "VARCHAR", "phone": "VARCHAR", "phone_norm": "VARCHAR", "is_parsed": "BOOLEAN"}
_SEPARATORS = r"[\s\-./()]"
_MAX_NSN = 17  # phonenumbers: longest national significant number it parses


@dataclass(frozen=True)
class PhoneResult:
    values: int
    """Distinct delivered values (per source)."""
    parsed_by_library: int
    """Values the library parsed (the rest were already E.164)."""
    unparsed: int
    """Values that fell back to the digits-only rule."""


def phone_regions(settings: Settings) -> dict[str, str | None]:
    """The region national numbers of each source are read in."""
    return {s: settings.source(s).phone_region or settings.phone_region for s in PHONE_SOURCES}


def normalize_phones(wh: Warehouse, settings: Settings) -> PhoneResult:
    """Write ``raw.phone_numbers`` for every distinct phone value in raw (see module doc)."""
    if not wh.scalar("queries/phone_count"):  # no frame library for none
        wh.write_rows(TABLE, COLUMNS, [])
        return PhoneResult(values=0, parsed_by_library=0, unparsed=0)
    import polars as pl

    # as NumPy arrays, not a frame through Arrow: no pyarrow import on the build's path
    values = pl.DataFrame(wh.arrays("queries/phone_values"), schema=_schema(VALUE_COLUMNS))
    table, parsed = phone_table(values, phone_regions(settings))
    wh.write_table(TABLE, table)
    unparsed = table.filter(~pl.col("is_parsed") & pl.col("phone_norm").is_not_null()).height
    return PhoneResult(values=table.height, parsed_by_library=parsed, unparsed=unparsed)


def phone_table(
    values: pl.DataFrame, regions: Mapping[str, str | None]
) -> tuple[pl.DataFrame, int]:
    """source, phone, phone_norm, is_parsed for ``values`` (columns source, phone), and how many
    values the library parsed. ``regions``: source -> default region (None: international
    numbers only)."""
    import polars as pl

    frame = (
        values.select("source", "phone")
        .unique()
        .with_columns(
            region=pl.col("source").replace_strict(
                dict(regions), default=None, return_dtype=pl.String
            ),
            compact=pl.col("phone").str.replace_all(_SEPARATORS, ""),
        )
    )
    plain = pl.col("compact").str.contains(r"^\+?\d+$")
    # the library reads a plain value like its compact form (separators are only punctuation),
    # and a value starting with + whatever the region: parse each such key once
    keyed = frame.with_columns(
        key=pl.when(plain).then(pl.col("compact")).otherwise(pl.col("phone")),
        key_region=pl.when(plain & pl.col("compact").str.starts_with("+"))
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("region")),
    )
    keys = keyed.select("key", "key_region").unique()
    fast = _spelled_out(keys)
    todo = keys.filter(fast.is_null())
    norm, ok = [], []
    for key, region in todo.iter_rows():
        e164 = _parse(key, region)
        norm.append(e164 if e164 is not None else _digits(key))
        ok.append(e164 is not None)
    parsed = todo.with_columns(
        phone_norm=pl.Series(norm, dtype=pl.String), is_parsed=pl.Series(ok, dtype=pl.Boolean)
    )
    results = pl.concat(
        [
            keys.filter(fast.is_not_null()).with_columns(
                phone_norm=fast.filter(fast.is_not_null()), is_parsed=pl.lit(True)
            ),
            parsed,
        ]
    )
    table = keyed.join(results, on=["key", "key_region"], how="left", nulls_equal=True).select(
        list(COLUMNS)
    )
    return table.cast(_schema(COLUMNS)), todo.height  # type: ignore[arg-type]


VALUE_COLUMNS = {"source": "VARCHAR", "phone": "VARCHAR"}


def _schema(columns: Mapping[str, str]) -> dict[str, pl.DataType]:
    """The polars types of ``columns`` (DuckDB type names: VARCHAR or BOOLEAN here)."""
    import polars as pl

    return {
        name: pl.Boolean() if kind == "BOOLEAN" else pl.String() for name, kind in columns.items()
    }


def _parse(value: str, region: str | None) -> str | None:
    """The library's E.164 form without '+', or None when it cannot parse the value. A national
    number (its country taken from ``region``) must be a possible number there, by length: a
    German ``0160 3821092`` in a US source is not read as the US number ``+1 01603821092``."""
    import phonenumbers
    from phonenumbers import CountryCodeSource, PhoneNumberFormat

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if region is not None and not phonenumbers.is_possible_number(number):
        # where its country came from (raw input changes the formatting: parsed again, rarely)
        source = phonenumbers.parse(value, region, keep_raw_input=True).country_code_source
        if source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
            return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).lstrip("+")


def _digits(value: str) -> str | None:
    """The rule before the library: digits only, a leading 00 dropped; None without digits."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("00"):
        digits = digits[2:]
    return digits or None


def _spelled_out(keys: pl.DataFrame) -> pl.Series:
    """Per key (columns key, key_region): the library's E.164 digits for ``+<digits>`` keys its
    parse would keep as they are, else null (parse it). Mirrors phonenumbers.parse for such
    input: the country code is the shortest known prefix of 1-3 digits; the national part
    (2..17 digits) is kept unless the region's national-prefix pattern matches its start (then
    the library decides, as it may strip a trunk prefix)."""
    import phonenumbers
    import polars as pl

    digits = pl.col("key").str.slice(1)
    frame = keys.select(
        digits=pl.when(
            pl.col("key_region").is_null() & pl.col("key").str.contains(r"^\+[1-9]\d*$")
        ).then(digits)
    )
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    size = pl.lit(None, pl.Int64)
    for n in (3, 2, 1):  # the shortest known prefix wins
        known = [c for c in codes if len(str(c)) == n]
        size = (
            pl.when(pl.col("digits").str.slice(0, n).cast(pl.Int64).is_in(known))
            .then(pl.lit(n))
            .otherwise(size)
        )
    coded = frame.with_columns(size=size).with_columns(
        code=pl.col("digits").str.slice(0, pl.col("size")).cast(pl.Int64),
        national=pl.col("digits").str.slice(pl.col("size")),
    )
    keep = pl.col("national").str.len_chars().is_between(2, _MAX_NSN)
    for code in coded["code"].drop_nulls().unique().to_list():
        pattern = _prefix_pattern(code)
        if pattern:
            keep = keep & ~((pl.col("code") == code) & pl.col("national").str.contains(pattern))
    return coded.select(pl.when(keep).then(pl.col("digits")).alias("phone_norm")).to_series()


@cache
def _prefix_pattern(country_code: int) -> str | None:
    """The national-prefix pattern of the country code's main region, anchored (as the library
    matches it), or None when that region strips no national prefix."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    pattern = metadata.national_prefix_for_parsing if metadata is not None else None
    return f"^(?:{pattern})" if pattern else None
