"""The CRM side of the synthetic company: customers, their phones, emails and web devices.

Identifiers are unique by construction (an affine permutation for phone numbers, the customer
number inside every email), so identity stitching has one right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import polars as pl
import pyarrow as pa

from journeys.generate.timeline import DAY, START_MS

FIRST_NAMES = (
    "anna", "ben", "clara", "david", "elena", "felix", "greta", "hannah", "ivan", "julia",
    "karim", "lena", "max", "nina", "oskar", "paula", "quentin", "rosa", "sami", "tara",
    "uwe", "vera", "wim", "xenia", "yusuf", "zoe", "emma", "noah", "mia", "leon",
    "sofia", "lucas", "marie", "jonas", "lea", "elias", "amelie", "finn", "ida", "theo",
)  # fmt: skip
LAST_NAMES = (
    "schmidt", "mueller", "schneider", "fischer", "weber", "meyer", "wagner", "becker",
    "schulz", "hoffmann", "koch", "richter", "klein", "wolf", "neumann", "schwarz",
    "braun", "zimmermann", "krueger", "hartmann", "lange", "werner", "krause", "lehmann",
    "jansen", "dubois", "martin", "bernard", "smith", "jones", "huber", "gruber",
    "bauer", "keller", "frei", "de-vries", "bakker", "visser", "moreau", "taylor",
)  # fmt: skip
COMPANIES = (
    "nordlicht",
    "alpenbau",
    "rheinwerk",
    "kontor",
    "hafenlogistik",
    "mediadesk",
    "brightdesk",
    "grünfeld",
    "stadtwerk",
    "lindenhof",
    "fahrwerk",
    "bergmann",
)
CONSUMER_DOMAINS = ("example.com", "example.net", "example.org", "mail.example")
COUNTRIES = ("DE", "AT", "CH", "NL", "FR", "GB")
COUNTRY_P = (0.55, 0.12, 0.10, 0.08, 0.08, 0.07)
CALLING_CODES = ("49", "43", "41", "31", "33", "44")
AREA_CODES = (
    ("30", "40", "89", "221", "69", "151", "160", "170"),
    ("1", "316", "664"),
    ("44", "31", "79"),
    ("20", "10", "6"),
    ("1", "6", "4"),
    ("20", "161", "7"),
)
CURRENCIES = ("EUR", "EUR", "CHF", "EUR", "EUR", "GBP")
SEGMENTS = ("consumer", "business")
BUSINESS_SHARE = 0.2
SUBSCRIBER_SPACE = 10_000_000
MAX_CUSTOMERS = 2_000_000
"""Per generator run (one chunk): about 5.7 GiB of memory per 375,000 customers (10M events)."""
MAX_CHUNKED_CUSTOMERS = 9_000_000
"""All chunks together: customers and unknown contacts (3 %) must fit the 10**7 phone numbers."""


@dataclass(frozen=True)
class IdOffsets:
    """Where one generator run's identifiers start, so several runs (chunks) never collide.

    The default (all zero, keys drawn from the run's own generator) is a plain run. A chunk
    continues the numbering of the chunks before it (``GenerateResult.next_offsets``) and reuses
    the first chunk's keys, so customer numbers, emails, phones, anonymous ids, order, ticket and
    event ids are unique across all chunks together.
    """

    customers: int = 0
    total_customers: int | None = None
    """Customers of all chunks (the width of ``customer_id``, and where unknown contacts'
    phone numbers start); None: this run's own count."""
    anonymous: int = 0
    unknown_contacts: int = 0
    orders: int = 0
    calls: int = 0
    tickets: int = 0
    transactions: int = 0
    web: int = 0
    support: int = 0
    phone_shift: int | None = None
    anon_key: int | None = None
    event_key: int | None = None

    @property
    def chunked(self) -> bool:
        return self != IdOffsets()


def mix_bits(values: np.ndarray, key: int) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64, so distinct inputs give distinct ids."""
    z = np.asarray(values, dtype=np.uint64) + np.uint64(key & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def format_hex_ids(values: np.ndarray, key: int) -> pl.Series:
    """16 lower-case hex characters per value, unique for unique values, no Python loop."""
    mixed = mix_bits(values, key).astype(">u8")
    raw = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(8), len(mixed), [None, pa.py_buffer(mixed.tobytes())]
    )
    # from_arrow types its result as DataFrame | Series; an Array (not a Table) gives a Series.
    return cast(pl.Series, pl.from_arrow(raw)).bin.encode("hex")


@dataclass(frozen=True)
class People:
    """Customers (index = position) plus the web devices (anonymous ids) they use."""

    crm: pl.DataFrame
    """customers.csv as delivered, plus internal columns prefixed ``_``."""
    business: np.ndarray
    currency: np.ndarray
    created_day: np.ndarray
    """Days since the window start on which the account exists (negative: before it)."""
    new_customer: np.ndarray
    primary_anon: np.ndarray
    second_anon: np.ndarray
    """-1 when the customer uses one device only."""
    n_anon: int
    """Anonymous ids allocated so far; fresh ones are numbered from here."""
    phone_shift: int
    """Offset of the phone-number permutation; people outside the CRM continue it."""

    @property
    def size(self) -> int:
        return len(self.business)


def _digits(n: int, offset: int, shift: int) -> np.ndarray:
    """Unique 7-digit subscriber numbers for indices offset..offset+n (affine permutation)."""
    multiplier = 7_654_321  # odd and not a multiple of 5: coprime with 10**7
    index = np.arange(offset, offset + n, dtype=np.int64)
    return (multiplier * index + shift) % SUBSCRIBER_SPACE


def make_phones(
    rng: np.random.Generator, country: np.ndarray, *, offset: int, shift: int
) -> pl.DataFrame:
    """E.164 parts per person: calling code, area code and subscriber, unique for unique
    ``offset`` ranges under one ``shift``."""
    n = len(country)
    widest = max(len(codes) for codes in AREA_CODES)
    table = np.asarray([codes + ("",) * (widest - len(codes)) for codes in AREA_CODES])
    counts = np.asarray([len(codes) for codes in AREA_CODES])
    areas = table[country, rng.integers(0, 1_000_000, size=n) % counts[country]]
    return pl.DataFrame(
        {
            "_cc": np.asarray(CALLING_CODES)[country],
            "_area": areas,
            "_sub": pl.Series(_digits(n, offset, shift)).cast(pl.String).str.zfill(7),
        }
    )


def _derive_crm_columns(width: int) -> list[pl.Expr]:
    """customers.csv's public columns from the drawn parts (``_first``, ``_n``, ``_cc`` ...)."""
    company_slug = pl.col("_company").str.replace("ü", "ue") + pl.col("_n")
    business_email = pl.concat_str(
        pl.col("_first"),
        pl.lit("."),
        pl.col("_last"),
        pl.lit("@"),
        company_slug,
        pl.lit(".example"),
    )
    consumer_email = pl.concat_str(
        pl.col("_first"), pl.lit("."), pl.col("_last"), pl.col("_n"), pl.lit("@"), pl.col("_domain")
    )
    business = pl.col("_business")
    return [
        (pl.lit("C") + pl.col("_n").str.zfill(width)).alias("customer_id"),
        pl.when(business).then(business_email).otherwise(consumer_email).alias("email"),
        pl.concat_str(pl.lit("+"), pl.col("_cc"), pl.col("_area"), pl.col("_sub")).alias("phone"),
        pl.when(business).then(pl.lit("business")).otherwise(pl.lit("consumer")).alias("segment"),
        (
            pl.col("_first").str.to_titlecase() + pl.lit(" ") + pl.col("_last").str.to_titlecase()
        ).alias("name"),
        pl.when(business)
        .then(pl.col("_company").str.to_titlecase() + pl.lit(" GmbH"))
        .otherwise(None)
        .alias("company"),
    ]


def build_people(
    rng: np.random.Generator, customers: int, offsets: IdOffsets | None = None
) -> People:
    """The CRM export and each customer's devices; deterministic for a given generator.

    ``offsets`` numbers the customers after those of earlier chunks (same phone permutation)."""
    offsets = offsets or IdOffsets()
    n = customers
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_P)
    business = rng.random(n) < BUSINESS_SHARE
    first = np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), size=n)]
    last = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), size=n)]
    company = np.asarray(COMPANIES)[rng.integers(0, len(COMPANIES), size=n)]
    domain = np.asarray(CONSUMER_DOMAINS)[rng.integers(0, len(CONSUMER_DOMAINS), size=n)]
    new_customer = rng.random(n) < 0.3
    created_day = np.where(new_customer, 0, -rng.integers(1, 4 * 365, size=n))
    first_number = offsets.customers + 1
    number = pl.Series(np.arange(first_number, first_number + n)).cast(pl.String)
    shift = int(rng.integers(0, SUBSCRIBER_SPACE))
    if offsets.phone_shift is not None:
        shift = offsets.phone_shift
    phones = make_phones(rng, country, offset=offsets.customers, shift=shift)
    frame = pl.DataFrame(
        {
            "_first": first,
            "_last": last,
            "_company": company,
            "_domain": domain,
            "_n": number,
            "_business": business,
            "country": np.asarray(COUNTRIES)[country],
        }
    ).with_columns(phones)
    width = max(6, len(str(offsets.total_customers or n)))
    crm = frame.with_columns(_derive_crm_columns(width))
    has_second = rng.random(n) < 0.25
    return People(
        crm=crm,
        business=business,
        currency=np.asarray(CURRENCIES)[country],
        created_day=created_day,
        new_customer=new_customer,
        primary_anon=np.arange(n, dtype=np.int64),
        second_anon=np.where(has_second, n + np.cumsum(has_second) - 1, -1).astype(np.int64),
        n_anon=n + int(has_second.sum()),
        phone_shift=shift,
    )


def build_crm(people: People, first_day: np.ndarray) -> pl.DataFrame:
    """customers.csv: new customers sign up on their first active day, others years before."""
    day = np.where(people.new_customer, first_day, people.created_day)
    created = pl.Series(START_MS + day.astype(np.int64) * DAY).cast(pl.Datetime("ms", "UTC"))
    return people.crm.with_columns(created_at=created.dt.strftime("%Y-%m-%d")).select(
        "customer_id", "email", "phone", "segment", "created_at", "name", "country", "company"
    )
