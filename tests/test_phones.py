"""Phones stitch across systems in any format: national numbers in the source's region, E.164
from the CRM (fixtures/phones: a hand-written CRM and two help desks' exports)."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
from pathlib import Path

import phonenumbers
import polars as pl
import pytest

from journeys.build import build_events
from journeys.config import Settings, SourceSettings, load_settings, phone_regions
from journeys.errors import ConfigError
from journeys.ingest.identity import customer_key
from journeys.ingest.load import load_source
from journeys.ingest.phones import (
    PhoneResult,
    _digits,
    _parse,
    _parse_by_library,
    phone_table,
    trunk_zero,
)
from journeys.warehouse import Warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "phones"


def _phone_table(
    values: list[tuple[str, str]], regions: dict[str, str | None]
) -> tuple[list[tuple[str, str, str | None, bool, bool]], PhoneResult]:
    """raw.phone_numbers for these delivered (source, phone) values, and the step's counts."""
    with Warehouse() as wh:
        wh.write_rows("phone_values", {"source": "VARCHAR", "phone": "VARCHAR"}, values)
        result = phone_table(wh, regions, values=None)
        return wh._run("SELECT * FROM raw.phone_numbers ORDER BY ALL"), result


def _stitch(settings: Settings, support_file: str) -> tuple[dict[str, str | None], int]:
    """event id -> the CRM customer its contact stitched to (None: unstitched), and the
    support batch's unparsed_phones."""
    with Warehouse() as wh:
        load_source(wh, settings, "customers", [FIXTURES / "customers.csv"])
        load_source(wh, settings, "support", [FIXTURES / support_file])
        build_events(wh, settings)
        wh.run_model("marts/data_quality")
        events = wh.read_table("intermediate.int_events", columns=["event_id", "customer_key"])
        quality = wh.read_table("marts.data_quality").filter(pl.col("source") == "support")
    crm = {customer_key(f"c:CRM-{n}", settings.salt): f"CRM-{n}" for n in range(1001, 1006)}
    stitched = {e: crm.get(k) for e, k in events.iter_rows()}
    return stitched, int(quality["unparsed_phones"].item())


def test_us_desk_numbers_in_national_formats_stitch_to_the_crm():
    settings = Settings(sources={"support": SourceSettings(phone_region="US")})
    stitched, unparsed = _stitch(settings, "support_us.csv")
    assert stitched == {
        "T-1": "CRM-1001",  # 555.000.0746
        "T-2": "CRM-1001",  # 5550000746
        "T-3": "CRM-1001",  # (555) 000-0746
        "T-4": "CRM-1002",
        "T-5": "CRM-1005",  # 011 44 …: the US international prefix
        "T-6": "CRM-1005",
        "T-7": None,  # '7' is no number: digits only, counted
    }
    assert unparsed == 1


def test_the_global_region_reads_german_national_numbers_and_trunk_prefixes():
    stitched, unparsed = _stitch(Settings(phone_region="de"), "support_de.csv")
    assert stitched == {
        "H-1": "CRM-1003",  # 0160 3821092
        "H-2": "CRM-1003",  # 0160/3821092
        "H-3": "CRM-1004",  # 030 8876543 = +49 (0) 30 8876543 in the CRM
        "H-4": "CRM-1004",
        "H-5": "CRM-1003",
    }
    assert unparsed == 0


def test_without_a_region_national_numbers_keep_their_digits_and_are_counted():
    stitched, unparsed = _stitch(Settings(), "support_de.csv")
    # 0049… still meets +49… by the digits rule; the national numbers meet nobody
    assert stitched == {
        "H-1": None,
        "H-2": None,
        "H-3": None,
        "H-4": "CRM-1004",
        "H-5": "CRM-1003",
    }
    assert unparsed == 4


def test_the_table_is_the_librarys_answer_for_every_country_code():
    """The values skipping the library (already E.164) get exactly what it would give."""
    rng = random.Random(16)
    values = []
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for _ in range(25):
            national = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 18)))
            trunk = rng.choice(["", "", "0", "1", "8", "06", "(0) "])
            sep = rng.choice(["", " ", "-", "."])
            layout = rng.choice(["+{}{}{}{}", "00{}{}{}{}"])
            values.append(layout.format(code, sep, trunk, national))
    values += ["+0 123", "+", "++49 160 3821092", "+49 160 3821092 ext. 7", "n/a", "0160 3821092"]
    # Unicode digits and separators: a national number with thin or no-break spaces is read as
    # with spaces (the library alone refuses it; rare, and what a copied number holds)
    values += ["+49\u00a0160\u00a03821092", "+\u0664\u0669 160 3821092", "0160\u20093821092"]
    regions = {"customers": None, "support": "DE"}
    delivered = [("customers", v) for v in values] + [("support", v) for v in values]
    table, result = _phone_table(delivered, regions)
    assert len(table) == len(set(delivered))
    assert 0 < result.parsed_by_library < len(table)  # most values skip the library
    for source, phone, norm, is_parsed, is_placeholder in table:
        number = _parse(re.sub(r"[\u00a0\u2009]", " ", phone), regions[source])
        e164, national = number or (_digits(phone), _digits(phone))
        assert (norm, is_parsed) == (e164, number is not None), phone
        # the national part the SQL takes from a spelled-out number is the library's
        assert is_placeholder == _placeholder(national, read=number is not None), phone


def _placeholder(national: str | None, *, read: bool) -> bool:
    """journeys_placeholder_number (sql/ddl/macros.sql) and raw/phone_numbers' rule, again."""
    if not national:
        return False
    runs = "01234567890123456789", "98765432109876543210"
    return (
        len(set(national)) == 1
        or (len(national) >= 6 and any(national in run for run in runs))
        or (not read and len(national) < 5)
    )


def test_an_international_number_whose_plus_a_spreadsheet_dropped_is_read_as_one():
    """Excel keeps +491603821092 as the number 491603821092: read in DE as a national number it
    was +49 491603821092, which meets no desk's 0160 3821092."""
    phones = ["491603821092", "0160 3821092", "4930123456", "1603821092", "447911123456"]
    table, _ = _phone_table([("customers", p) for p in phones], {"customers": "DE"})
    got = {phone: norm for _, phone, norm, _, _ in table}
    assert got == {
        "491603821092": "491603821092",
        "0160 3821092": "491603821092",
        "4930123456": "4930123456",
        "1603821092": "491603821092",  # a national number without its 0: as before
        "447911123456": "49447911123456",  # another country's: a German reading, as before
    }


def test_words_beside_a_number_are_not_read_as_its_digits():
    """The library reads the letters of a value parsed whole as a vanity number's digits."""
    phones = ["+49 160 3821092 (mobile)", "Mobile: 0160 3821092", "0160 3821092 (Handy)"]
    phones += ["+49 160 3821092 / +49 30 1234567"]  # two numbers: not one
    table, _ = _phone_table(
        [(s, p) for p in phones for s in ("support", "customers")],
        {"support": "DE", "customers": "US"},
    )
    got = {(source, phone): (norm, ok) for source, phone, norm, ok, _ in table}
    assert {p: got["support", p] for p in phones} == {
        "+49 160 3821092 (mobile)": ("491603821092", True),
        "Mobile: 0160 3821092": ("491603821092", True),
        "0160 3821092 (Handy)": ("491603821092", True),
        "+49 160 3821092 / +49 30 1234567": ("49160382109249301234567", False),
    }
    # in a US source only 3821092 reads as a US number: not this one, its digits kept
    assert got["customers", "0160 3821092 (Handy)"] == ("01603821092", False)


def test_a_phone_region_must_be_a_country(tmp_path: Path):
    config = tmp_path / "journeys.yaml"
    config.write_text("sources:\n  support: {phone_region: USA}\n")
    with pytest.raises(ConfigError, match=r"sources.support.phone_region.*two-letter"):
        load_settings(config)
    assert load_settings(None, phone_region=" gb ").phone_region == "GB"


def test_the_configuration_knows_the_regions_phonenumbers_knows_without_importing_it():
    """``phone_regions`` reads the library's data file names (no 10 ms import per command): the
    same set as ``phonenumbers.SUPPORTED_REGIONS``, and a command that reads a configuration
    with a phone region does not import the library."""
    assert phone_regions() == frozenset(phonenumbers.SUPPORTED_REGIONS)
    assert len(phone_regions()) > 200
    code = (
        "import sys; from journeys.config import load_settings; "
        "s = load_settings(None, phone_region='de'); "
        "print(s.phone_region, 'phonenumbers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["DE", "False"]


def test_a_foreign_national_number_is_not_read_as_a_number_of_the_region():
    """A German mobile in national format in a US source is no possible US number: it keeps its
    digits and counts as unparsed, where the library alone gives a US number that never was."""
    phones = ["0160 3821092", "(415) 555-0132", "011 49 160 3821092"]
    table, _ = _phone_table([("support", p) for p in phones], {"support": "US"})
    got = {phone: (norm, ok) for _, phone, norm, ok, _ in table}
    assert got == {
        "0160 3821092": ("01603821092", False),
        "(415) 555-0132": ("14155550132", True),
        "011 49 160 3821092": ("491603821092", True),  # the US international prefix: kept
    }


def test_a_trunk_zero_national_number_is_read_as_the_library_reads_it():
    """The national numbers read without the library's parse (``TrunkZero``) get exactly what it
    would give, in every region the rule is for; and the rule settles most of their numbers."""
    rng = random.Random(91)
    regions = [r for r in sorted(phonenumbers.SUPPORTED_REGIONS) if trunk_zero(r) is not None]
    assert {"DE", "FR", "NL", "CH", "AT", "SE", "IN", "ZA"} <= set(regions)
    assert not {"GB", "US", "IT", "JP", "AU", "AR", "BR"} & set(regions)  # other national rules
    examples = settled = 0
    for region in regions:
        rule = trunk_zero(region)
        assert rule is not None
        values = ["0", "00", "01", "0" * 9, "0160", "0" + "9" * 17, "1603821092", "491603821092"]
        values += ["0" + "".join(rng.choice("0123456789") for _ in range(n)) for n in range(1, 19)]
        values += [
            "0" + str(rng.randint(1, 9)) + str(rng.randrange(10**n)).zfill(n) for n in range(12)
        ]
        for value in values:
            read = rule.read(value)
            assert read is None or read == _parse_by_library(value, region), (region, value)
            assert _parse(value, region) == _parse_by_library(value, region), (region, value)
        for kind in phonenumbers.PhoneNumberType.values():
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            # as the region's own numbers are written at home, digits alone
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            value = re.sub(r"\D", "", national)
            read = rule.read(value)
            assert read is None or read == _parse_by_library(value, region), (region, value)
            examples, settled = examples + 1, settled + (read is not None)
    # numbers written without a trunk 0 (AE 800123456, NL 14020) are the library's
    assert settled > 0.8 * examples > 400


def test_the_trunk_zero_rule_leaves_to_the_library_what_it_does_not_settle():
    de = trunk_zero("DE")
    assert de is not None
    assert de.read("01603821092") == ("491603821092", "1603821092")
    assert de.read("030 1234567") is None  # not digits alone (the key of a value is compact)
    assert de.read("00491603821092") is None  # the international prefix
    assert de.read("0\u0661\u0666\u0660") is None  # Arabic-Indic digits: the library's
    assert de.read("01") is None  # too short to be a national number
    # a number its region's pattern knows with the 0 and not without: the library keeps the 0
    # (no region's metadata has one today; the library's rule is kept all the same)
    with_zero = dataclasses.replace(de, national_pattern=re.compile(r"0\d{10}"))
    assert with_zero.read("01603821092") is None
    assert trunk_zero("GB") is None and trunk_zero("US") is None and trunk_zero("XX") is None
